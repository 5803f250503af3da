// `iris caption-folder DIR [--force]`: writes NAME.txt beside every image NAME.ext in DIR with the
// describe_image caption of the configured provider (the seed's scripts/caption_folder.py, without
// a running server). Images that already have NAME.txt are skipped unless --force. Each caption is
// written atomically (temporary file, then rename), so an interrupted run leaves no half files.
// A progress bar is drawn on a terminal. Exit status: 0 all done, 1 some images failed, 2 usage,
// 3 configuration (e.g. no captioning provider configured).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/analysis_session.h"
#include "cli/commands.h"
#include "cli/config_flags.h"
#include "cli/folder_command.h"
#include "cli/image_files.h"
#include "cli/progress_bar.h"
#include "core/logging.h"

namespace iris::cli {
namespace {

namespace fs = std::filesystem;

struct CaptionArgs {
  std::string dir;
  bool force = false;
  int max_length = 50;
  std::string target = "whole_image";
};

Status WriteAtomically(const fs::path& path, const std::string& text) {
  const fs::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text << "\n";
    if (!out) return Internal("cannot write " + temp.string());
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) return Internal("cannot rename " + temp.string() + ": " + ec.message());
  return {};
}

int RunCaptionFolder(const ConfigFlags& flags, const CaptionArgs& args) {
  int exit_code = kExitOk;
  std::optional<Config> config = StartFolderCommand("iris caption-folder", args.dir, flags, exit_code);
  if (!config) return exit_code;
  if (config->captions.url.empty()) {
    std::cerr << "iris caption-folder: no captioning provider is configured; set captions.url (IRIS_CAPTIONS_URL), "
                 "captions.model and captions.api_key (docs/captions.md)\n";
    return kExitConfig;
  }
  auto session = AnalysisSession::Open(*config);
  if (!session.ok()) {
    std::cerr << "iris caption-folder: " << session.status().message() << "\n";
    return kExitConfig;
  }
  const std::vector<fs::path> images = ListImageFiles(args.dir);

  const std::vector<ops::AnalysisTask> tasks = {
      {"caption", "describe_image", {{"max_length", args.max_length}, {"target", args.target}}}};
  int captioned = 0, skipped = 0, failed = 0;
  ProgressBar progress("captioning", images.size());
  for (std::size_t i = 0; i < images.size(); ++i) {
    const fs::path& image = images[i];
    progress.Update(i, image.filename().string());
    fs::path caption_file = image;
    caption_file.replace_extension(".txt");
    if (!args.force && fs::exists(caption_file)) {
      ++skipped;
      continue;
    }
    auto analysis = (*session)->Analyze(image.string(), tasks);
    std::string error;
    if (!analysis.ok()) {
      error = analysis.status().message();
    } else {
      const auto& result = analysis->reply["results"]["caption"];
      if (result["status"] == "success") {
        if (Status written = WriteAtomically(caption_file, result["data"].get<std::string>()); !written.ok()) {
          error = written.message();
        }
      } else {
        error = result["error_message"].is_string() ? result["error_message"].get<std::string>() : "failed";
      }
    }
    if (error.empty()) {
      ++captioned;
    } else {
      ++failed;
      progress.Clear();
      std::cerr << "iris caption-folder: " << image.filename().string() << ": " << error << "\n";
    }
  }
  progress.Update(images.size(), "");
  progress.Clear();
  std::cout << "captioned " << captioned << ", skipped " << skipped << " (caption exists; --force redoes them), failed "
            << failed << ", of " << images.size() << " images in " << args.dir << "\n";
  return failed > 0 ? kExitFailure : kExitOk;
}

}  // namespace

CommandRunner AddCaptionFolderCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("caption-folder", "Write NAME.txt captions beside the images of a folder");
  auto args = std::make_shared<CaptionArgs>();
  cmd->add_option("dir", args->dir, "folder of images")->required();
  cmd->add_flag("--force,-f", args->force, "overwrite existing .txt captions");
  cmd->add_option("--max-length", args->max_length, "most tokens per caption (default 50)")->check(CLI::Range(1, 4096));
  cmd->add_option("--target", args->target, "whole_image, prominent_person or prominent_face")
      ->check(CLI::IsMember({"whole_image", "prominent_person", "prominent_face"}));
  auto flags = std::make_shared<ConfigFlags>(*cmd, ServicesSettings());
  return [flags, args] { return RunCaptionFolder(*flags, *args); };
}

}  // namespace iris::cli
