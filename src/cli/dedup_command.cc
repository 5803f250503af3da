// `iris dedup DIR [--format json|csv]`: finds groups of near-duplicate images in a folder with the
// duplicate detector (dedup/duplicate_detector.h: perceptual hashes of several views, then local
// features + geometric verification; docs/duplicates.md). Images are compared in name order: each is
// checked against those before it, then added. Output: groups of two or more images, each member with
// the image it duplicates and why (hash distance, inliers). Only files with an image extension are
// read (cli/image_files.h); one that does not decode is listed as a failure. A progress bar is drawn on a terminal.
// Exit status: 0 done, 1 some files could not be read or decoded, 2 usage, 3 configuration.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cli/commands.h"
#include "cli/config_flags.h"
#include "cli/folder_command.h"
#include "cli/image_files.h"
#include "cli/progress_bar.h"
#include "core/logging.h"
#include "dedup/duplicate_detector.h"
#include "image/image_decoder.h"
#include "ingest/image_ingestor.h"

namespace iris::cli {
namespace {

namespace fs = std::filesystem;

// Decoding at reduced size is enough: the detector hashes at 256 px and extracts features at 512 px.
constexpr int kDecodeMinSide = 640;

struct DedupArgs {
  std::string dir;
  std::string format = "json";
  bool recursive = false;
};

struct Membership {
  std::string duplicate_of;
  std::string reason;
  int hash_distance = -1;
  int inliers = -1;
};

// Union-find over image indices.
std::size_t Root(std::vector<std::size_t>& parent, std::size_t i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

int RunDedup(const ConfigFlags& flags, const DedupArgs& args) {
  int exit_code = kExitOk;
  std::optional<Config> config = StartFolderCommand("iris dedup", args.dir, flags, exit_code);
  if (!config) return exit_code;
  const std::vector<fs::path> files = ListImageFiles(args.dir, args.recursive);

  DuplicateDetector detector;
  DecodeOptions decode;
  decode.limits = DecodeLimitsFromConfig(config->ingest);
  decode.min_side = kDecodeMinSide;
  std::vector<std::string> names;
  std::map<std::string, std::size_t> index_of;
  std::vector<std::size_t> parent;
  std::map<std::size_t, Membership> why;
  std::vector<std::pair<std::string, std::string>> failures;
  ProgressBar progress("dedup", files.size());
  std::error_code ec;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string name = fs::relative(files[i], args.dir, ec).string();
    progress.Update(i, name);
    std::ifstream in(files[i], std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    auto decoded = DecodeImage(bytes.str(), decode);
    if (!decoded.ok()) {
      failures.push_back({name, decoded.status().message()});
      continue;
    }
    auto report = detector.Check(decoded->image);
    if (!report.ok()) {
      failures.push_back({name, report.status().message()});
      continue;
    }
    const std::size_t me = names.size();
    names.push_back(name);
    parent.push_back(me);
    index_of[name] = me;
    for (const auto& c : report->candidates) {
      if (!c.duplicate) continue;
      const std::size_t other = index_of.at(c.id);
      if (!why.count(me)) why[me] = {c.id, c.reason, c.hash_distance, c.inliers};
      parent[Root(parent, me)] = Root(parent, other);
    }
    if (Status added = detector.AddImage(name, decoded->image); !added.ok()) {
      failures.push_back({name, added.message()});
    }
  }
  progress.Clear();

  std::map<std::size_t, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < names.size(); ++i) groups[Root(parent, i)].push_back(i);
  std::vector<std::vector<std::size_t>> duplicate_groups;
  for (auto& [root, members] : groups) {
    if (members.size() > 1) duplicate_groups.push_back(members);
  }
  if (args.format == "csv") {
    std::cout << "group,image,duplicate_of,reason,hash_distance,inliers\n";
    for (std::size_t g = 0; g < duplicate_groups.size(); ++g) {
      for (std::size_t m : duplicate_groups[g]) {
        const Membership w = why.count(m) ? why[m] : Membership{};
        std::cout << g + 1 << "," << CsvField(names[m]) << "," << CsvField(w.duplicate_of) << "," << CsvField(w.reason)
                  << "," << w.hash_distance << "," << w.inliers << "\n";
      }
    }
  } else {
    nlohmann::json out = {
        {"images", names.size()}, {"groups", nlohmann::json::array()}, {"failed", nlohmann::json::array()}};
    for (const auto& members : duplicate_groups) {
      nlohmann::json group = {{"images", nlohmann::json::array()}, {"evidence", nlohmann::json::array()}};
      for (std::size_t m : members) {
        group["images"].push_back(names[m]);
        if (why.count(m)) {
          const auto& w = why[m];
          group["evidence"].push_back({{"image", names[m]},
                                       {"duplicate_of", w.duplicate_of},
                                       {"reason", w.reason},
                                       {"hash_distance", w.hash_distance},
                                       {"inliers", w.inliers}});
        }
      }
      out["groups"].push_back(group);
    }
    for (const auto& [name, error] : failures) out["failed"].push_back({{"image", name}, {"error", error}});
    std::cout << out.dump(2) << "\n";
  }
  for (const auto& [name, error] : failures) std::cerr << "iris dedup: " << name << ": " << error << "\n";
  std::cerr << "iris dedup: " << names.size() << " images, " << duplicate_groups.size() << " duplicate groups, "
            << failures.size() << " unreadable\n";
  return failures.empty() ? kExitOk : kExitFailure;
}

}  // namespace

CommandRunner AddDedupCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("dedup", "Find groups of near-duplicate images in a folder");
  auto args = std::make_shared<DedupArgs>();
  cmd->add_option("dir", args->dir, "folder of images")->required();
  cmd->add_option("--format", args->format, "json (default) or csv")->check(CLI::IsMember({"json", "csv"}));
  cmd->add_flag("--recursive,-r", args->recursive, "include sub-folders");
  auto flags = std::make_shared<ConfigFlags>(*cmd, std::vector<std::string>{"ingest", "log"});
  return [flags, args] { return RunDedup(*flags, *args); };
}

}  // namespace iris::cli
