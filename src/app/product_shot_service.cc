#include "app/product_shot_service.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <thread>

#include "core/hash.h"
#include "core/logging.h"
#include "image/image_decoder.h"
#include "image/image_encoder.h"
#include "store/blob_store.h"
#include "store/zip_archive.h"
#include "vision/product_cutout.h"

namespace iris::app {
namespace {

using nlohmann::json;

constexpr char kManifestName[] = "manifest.json";
constexpr char kManifestFormat[] = "iris-product-shots/1";
constexpr std::uint64_t kMaxManifestBytes = 1 << 20;
constexpr std::uint64_t kMaxShotBytes = 64ull << 20;
constexpr std::size_t kMaxSizeText = 32;

Status CheckSizeText(const std::string& value, const std::string& field) {
  if (value.empty()) return Unprocessable("'" + field + "' is required for this image type");
  if (value.size() > kMaxSizeText) return Unprocessable("'" + field + "' is longer than 32 bytes");
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '{' || c == '}') {
      return Unprocessable("'" + field + "' must be plain text such as \"2.5 cm\"");
    }
  }
  return {};
}

std::string Slug(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "image" : out;
}

std::string Extension(const std::string& mime) {
  if (mime == "image/jpeg") return ".jpg";
  if (mime == "image/webp") return ".webp";
  return ".png";
}

std::string EntryName(const Shot& shot) {
  return std::to_string(shot.prompt_index) + "_" + Slug(shot.type->name) + Extension(shot.mime);
}

json TypeFields(int prompt_index, const ShotType* type) {
  return {{"prompt_index", prompt_index}, {"image_type", type->type}, {"image_type_name", type->name}};
}

bool IsTransient(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kResourceExhausted ||
         s.code() == StatusCode::kDeadlineExceeded;
}

// Copies a blob to a file in chunks (the S3 store's reader holds it in memory already; the filesystem
// store's does not).
Status CopyBlobToFile(BlobStore& blobs, const std::string& key, const std::filesystem::path& path) {
  IRIS_ASSIGN_OR_RETURN(auto reader, blobs.OpenReader(key));
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (!out) return Internal("cannot write " + path.string());
  std::vector<char> chunk(1 << 20);
  Status status;
  for (std::uint64_t at = 0; at < reader->size() && status.ok();) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), reader->size() - at));
    status = reader->ReadAt(at, std::span<char>(chunk.data(), n));
    if (status.ok() && std::fwrite(chunk.data(), 1, n, out) != n) status = Internal("cannot write " + path.string());
    at += n;
  }
  if (std::fclose(out) != 0 && status.ok()) status = Internal("cannot write " + path.string());
  return status;
}

// Removes the file when it goes out of scope.
struct TempFile {
  std::filesystem::path path;
  ~TempFile() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove(path, ec);
  }
};

json Manifest(const ShotSet& set) {
  json requested = json::array(), images = json::array();
  for (const auto& [index, type] : set.requested)
    requested.push_back({{"prompt_index", index}, {"image_type", type->type}});
  for (const auto& shot : set.shots) {
    json entry = TypeFields(shot.prompt_index, shot.type);
    entry["file"] = EntryName(shot);
    entry["key"] = shot.key;
    entry["mime"] = shot.mime;
    images.push_back(std::move(entry));
  }
  return {{"format", kManifestFormat},        {"website", set.site->name}, {"product_type", set.product->product_type},
          {"original_key", set.original_key}, {"height", set.height},      {"width", set.width},
          {"requested", requested},           {"images", images}};
}

Status BadManifest(const std::string& why) {
  return Unprocessable("'zip_url' is not a product-shot ZIP made by Iris (" + why + ")");
}

}  // namespace

json GenerateRequest::ToJson() const {
  json j = {{"s3_urls", s3_url},        {"product_type", product_type},
            {"num_images", num_images}, {"height", height},
            {"width", width},           {"website", website}};
  if (image_types) j["image_types"] = *image_types;
  return j;
}

Result<GenerateRequest> GenerateRequest::FromJson(const json& j) {
  if (!j.is_object()) return InvalidArgument("generate-images params must be an object");
  GenerateRequest r;
  r.s3_url = j.value("s3_urls", "");
  r.product_type = j.value("product_type", "");
  r.num_images = j.value("num_images", 4);
  r.height = j.value("height", "");
  r.width = j.value("width", "");
  r.website = j.value("website", "");
  if (j.contains("image_types") && j["image_types"].is_array())
    r.image_types = j["image_types"].get<std::vector<int>>();
  return r;
}

json ShotSetJson(const ShotSet& set) {
  json images = json::array(), failed = json::array();
  for (const auto& shot : set.shots) {
    json entry = TypeFields(shot.prompt_index, shot.type);
    entry["image_url"] = shot.url;
    images.push_back(std::move(entry));
  }
  for (const auto& f : set.failed) {
    json entry = TypeFields(f.prompt_index, f.type);
    entry["error"] = f.error.message();
    entry["code"] = std::string(StatusCodeName(f.error.code()));
    entry["retryable"] = IsTransient(f.error);
    failed.push_back(std::move(entry));
  }
  json out = {{"original_image_url", set.original_url},
              {"gen_images", images},
              {"zip_url", set.zip_url.empty() ? json(nullptr) : json(set.zip_url)},
              {"failed", failed}};
  if (set.regenerated) {
    for (const auto& shot : set.shots) {
      if (shot.prompt_index == *set.regenerated) {
        out["regenerated"] = TypeFields(shot.prompt_index, shot.type);
        out["regenerated"]["image_url"] = shot.url;
      }
    }
  }
  return out;
}

ProductShotService::ProductShotService(std::shared_ptr<const CatalogWebsites> websites, ModelRegistry& models,
                                       const ImageIngestor& ingestor, const ImageEditClient& editor,
                                       const ProductShotTypes& types, GenerationConfig config,
                                       std::filesystem::path temp_dir, JobRunner& jobs)
    : websites_(std::move(websites)),
      models_(models),
      ingestor_(ingestor),
      editor_(editor),
      types_(types),
      config_(std::move(config)),
      temp_dir_(std::move(temp_dir)),
      jobs_(jobs) {}

Result<ShotSet> ProductShotService::Plan(const GenerateRequest& request, Trace& trace) const {
  ShotSet set;
  IRIS_ASSIGN_OR_RETURN(set.product, types_.Find(request.product_type));
  if (request.num_images < 1 || request.num_images > kMaxShotsPerRequest) {
    return Unprocessable("'num_images' must be within 1..10");
  }
  std::vector<int> wanted = request.image_types.value_or(set.product->defaults);
  if (wanted.empty()) return Unprocessable("'image_types' must not be empty");
  std::set<int> seen;
  for (int type : wanted) {
    if (!set.product->Find(type)) {
      return Unprocessable("image type " + std::to_string(type) + " is not one of " + set.product->product_type +
                           "'s types (" + set.product->TypeNumbers() + ")");
    }
    if (!seen.insert(type).second) return Unprocessable("'image_types' names type " + std::to_string(type) + " twice");
  }
  if (wanted.size() > static_cast<std::size_t>(request.num_images)) wanted.resize(request.num_images);
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    const ShotType* type = set.product->Find(wanted[i]);
    set.requested.emplace_back(static_cast<int>(i), type);
    if (type->needs_size) {
      for (const auto& [value, field] : {std::pair{&request.height, "height"}, std::pair{&request.width, "width"}}) {
        Status checked = CheckSizeText(*value, field);
        if (!checked.ok()) {
          return Unprocessable(checked.message() + " (type " + std::to_string(type->type) + ", " + type->name +
                               ", needs 'height' and 'width')");
        }
      }
    }
  }
  set.height = request.height.substr(0, kMaxSizeText);
  set.width = request.width.substr(0, kMaxSizeText);
  if (!request.website.empty()) IRIS_RETURN_IF_ERROR(websites_->Find(request.website).status());
  IRIS_ASSIGN_OR_RETURN(CatalogBlobRef original,
                        LocateCatalogBlob(*websites_, request.s3_url, request.website, "s3_urls"));
  set.site = original.site;
  set.original_key = original.key;
  set.original_url = original.site->file_url(original.key);
  ScopedStage stage(trace, "storage");
  IRIS_ASSIGN_OR_RETURN(bool exists, set.site->blobs->Exists(original.key));
  if (!exists) return NotFound("'s3_urls' names no file stored for website " + set.site->name);
  return set;
}

Result<std::shared_ptr<IngestedImage>> ProductShotService::ReadOriginal(const CatalogBlobRef& ref, Trace& trace) const {
  std::string bytes;
  {
    ScopedStage stage(trace, "storage");
    auto got = ref.site->blobs->Get(ref.key);
    if (!got.ok() && got.status().code() == StatusCode::kNotFound) {
      return NotFound("the original image is no longer stored for website " + ref.site->name);
    }
    IRIS_ASSIGN_OR_RETURN(bytes, std::move(got));
  }
  ScopedStage stage(trace, "decode");
  auto image = ingestor_.FromUpload(std::move(bytes), "catalog original");
  if (!image.ok()) return image.status().WithContext("the original (s3_urls)");
  IRIS_RETURN_IF_ERROR((*image)->CheckDecodes().WithContext("the original (s3_urls)"));
  return image;
}

Result<std::string> ProductShotService::MakeImage(const IngestedImage& original, const ShotType& type,
                                                  const std::string& height, const std::string& width,
                                                  std::string& mime) const {
  if (type.white_background) {
    IRIS_ASSIGN_OR_RETURN(auto masker, models_.ForegroundMasker(config_.foreground_model));
    IRIS_ASSIGN_OR_RETURN(auto pixels, original.Full());
    IRIS_ASSIGN_OR_RETURN(ForegroundMask mask, masker->Mask(*pixels));
    WhiteBackgroundOptions options;
    options.size = config_.white_size;
    options.fill = config_.white_fill;
    IRIS_ASSIGN_OR_RETURN(RgbImage shot, WhiteBackgroundShot(*pixels, mask, options));
    mime = "image/png";
    return EncodePng(shot);
  }
  ImageEditRequest edit;
  edit.prompt = ShotPrompt(type, height, width);
  edit.image_mime = std::string(SniffImageMime(original.bytes()));
  if (edit.image_mime.empty()) {  // GIF, TIFF, AVIF...: sent as PNG
    IRIS_ASSIGN_OR_RETURN(auto pixels, original.Full());
    IRIS_ASSIGN_OR_RETURN(edit.image, EncodePng(*pixels));
    edit.image_mime = "image/png";
  } else {
    edit.image = original.bytes();
  }
  IRIS_ASSIGN_OR_RETURN(ImageEditResult made, editor_.Edit(edit));
  if (auto probe = ProbeImage(made.image, ingestor_.limits()); !probe.ok()) {
    return Internal("the image-generation provider sent an image that does not decode: " + probe.status().message());
  }
  mime = made.mime;
  return std::move(made.image);
}

Result<Shot> ProductShotService::MakeShot(const ShotSet& set, const IngestedImage& original, int prompt_index,
                                          const ShotType& type, std::string& bytes) const {
  Shot shot;
  shot.prompt_index = prompt_index;
  shot.type = &type;
  IRIS_ASSIGN_OR_RETURN(bytes, MakeImage(original, type, set.height, set.width, shot.mime));
  IRIS_ASSIGN_OR_RETURN(shot.key, set.site->blobs->Put(bytes, shot.mime));
  shot.url = set.site->file_url(shot.key);
  return shot;
}

Result<ShotSet> ProductShotService::Generate(const GenerateRequest& request, Trace& trace) const {
  IRIS_ASSIGN_OR_RETURN(ShotSet set, Plan(request, trace));
  IRIS_ASSIGN_OR_RETURN(auto original, ReadOriginal({set.site, set.original_key, ""}, trace));
  const std::size_t n = set.requested.size();
  std::vector<Result<Shot>> made(n, Internal("not run"));
  std::vector<std::string> bytes(n);
  {
    ScopedStage stage(trace, "generate");
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        const auto& [index, type] = set.requested[i];
        made[i] = MakeShot(set, *original, index, *type, bytes[i]);
      });
    }
    for (auto& t : threads) t.join();
  }
  std::vector<std::string> stored;
  std::string failures;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& [index, type] = set.requested[i];
    if (made[i].ok()) {
      set.shots.push_back(std::move(made[i]).value());
      stored.push_back(std::move(bytes[i]));
      continue;
    }
    set.failed.push_back({index, type, made[i].status()});
    failures += (failures.empty() ? "" : "; ") + ("[" + std::to_string(index) + "] type " + std::to_string(type->type) +
                                                  " (" + type->name + "): " + made[i].status().message());
    LogWarn("generate_images.shot_failed",
            {{"prompt_index", index}, {"image_type", type->type}, {"error", made[i].status().ToString()}});
  }
  if (set.shots.empty()) {
    return Status(set.failed.front().error.code(), "no image could be generated: " + failures);
  }
  IRIS_RETURN_IF_ERROR(StoreZip(set, stored, trace));
  return set;
}

Result<std::string> ProductShotService::Submit(const GenerateRequest& request, Trace& trace) const {
  IRIS_ASSIGN_OR_RETURN(ShotSet set, Plan(request, trace));
  IRIS_RETURN_IF_ERROR(ReadOriginal({set.site, set.original_key, ""}, trace).status());
  return jobs_.Submit({kGenerateImagesJob, request.ToJson(), {"generate"}});
}

Result<ShotSet> ProductShotService::ReadSet(const CatalogBlobRef& zip, std::vector<std::string>& bytes,
                                            Trace& trace) const {
  ScopedStage stage(trace, "zip");
  IRIS_ASSIGN_OR_RETURN(std::filesystem::path path, MakeTempFile(temp_dir_, ".zip"));
  TempFile temp{path};
  if (Status copied = CopyBlobToFile(*zip.site->blobs, zip.key, path); !copied.ok()) {
    if (copied.code() == StatusCode::kNotFound) return NotFound("'zip_url' names no file stored for " + zip.site->name);
    return copied;
  }
  auto reader = ZipReader::Open(path);
  if (!reader.ok() && reader.status().code() == StatusCode::kUnprocessable) return BadManifest("not a ZIP archive");
  IRIS_RETURN_IF_ERROR(reader.status());
  auto manifest_text = (*reader)->Read(kManifestName, kMaxManifestBytes);
  if (!manifest_text.ok()) return BadManifest("no readable manifest.json");
  const json m = json::parse(*manifest_text, nullptr, false);
  if (m.is_discarded() || !m.is_object() || m.value("format", "") != kManifestFormat) {
    return BadManifest("manifest.json is not " + std::string(kManifestFormat));
  }
  ShotSet set;
  set.site = zip.site;
  auto product = types_.Find(m.value("product_type", ""));
  if (!product.ok()) return BadManifest("unknown product_type");
  set.product = *product;
  set.original_key = m.value("original_key", "");
  if (!ValidateBlobKey(set.original_key).ok()) return BadManifest("bad original_key");
  set.original_url = set.site->file_url(set.original_key);
  set.height = m.value("height", "").substr(0, kMaxSizeText);
  set.width = m.value("width", "").substr(0, kMaxSizeText);
  if (!m.contains("requested") || !m["requested"].is_array() || !m.contains("images") || !m["images"].is_array() ||
      m["requested"].size() > static_cast<std::size_t>(kMaxShotsPerRequest)) {
    return BadManifest("no requested/images lists");
  }
  std::set<int> indices;
  for (const auto& r : m["requested"]) {
    const int index = r.is_object() ? r.value("prompt_index", -1) : -1;
    const ShotType* type = r.is_object() ? set.product->Find(r.value("image_type", 0)) : nullptr;
    if (index < 0 || index >= kMaxShotsPerRequest || !type || !indices.insert(index).second) {
      return BadManifest("a bad requested entry");
    }
    set.requested.emplace_back(index, type);
  }
  std::set<int> stored;
  for (const auto& image : m["images"]) {
    Shot shot;
    shot.prompt_index = image.is_object() ? image.value("prompt_index", -1) : -1;
    shot.key = image.is_object() ? image.value("key", "") : "";
    shot.mime = image.is_object() ? image.value("mime", "") : "";
    for (const auto& [index, type] : set.requested) {
      if (index == shot.prompt_index) shot.type = type;
    }
    if (!shot.type || !stored.insert(shot.prompt_index).second || !ValidateBlobKey(shot.key).ok() ||
        image.value("file", "") != EntryName(shot)) {
      return BadManifest("a bad image entry");
    }
    IRIS_ASSIGN_OR_RETURN(std::string data, (*reader)->Read(EntryName(shot), kMaxShotBytes));
    if (BlobKeyForContent(data) != shot.key) return BadManifest("an image that does not match its key");
    shot.url = set.site->file_url(shot.key);
    set.shots.push_back(std::move(shot));
    bytes.push_back(std::move(data));
  }
  for (const auto& [index, type] : set.requested) {
    if (!stored.count(index)) set.failed.push_back({index, type, Unavailable("not generated")});
  }
  return set;
}

Result<ShotSet> ProductShotService::Regenerate(const RegenerateRequest& request, Trace& trace) const {
  if (!request.website.empty()) IRIS_RETURN_IF_ERROR(websites_->Find(request.website).status());
  if (!request.prompt_index && !request.image_type && request.image_url.empty()) {
    return Unprocessable("name the image to regenerate: 'prompt_index', 'image_type' or 'image_url'");
  }
  IRIS_ASSIGN_OR_RETURN(CatalogBlobRef zip, LocateCatalogBlob(*websites_, request.zip_url, request.website, "zip_url"));
  std::optional<std::string> shot_key;
  if (!request.image_url.empty()) {
    IRIS_ASSIGN_OR_RETURN(CatalogBlobRef ref, LocateCatalogBlob(*websites_, request.image_url, "", "image_url"));
    shot_key = ref.key;
  }
  std::optional<std::string> original_key;
  if (!request.original_url.empty()) {
    IRIS_ASSIGN_OR_RETURN(CatalogBlobRef ref,
                          LocateCatalogBlob(*websites_, request.original_url, "", "original_image_url"));
    original_key = ref.key;
  }
  std::vector<std::string> bytes;
  IRIS_ASSIGN_OR_RETURN(ShotSet set, ReadSet(zip, bytes, trace));
  if (original_key && *original_key != set.original_key) {
    return Unprocessable("'original_image_url' is not the original of this set");
  }
  // The shot: every selector given must name the same one.
  std::optional<int> target;
  auto pick = [&target](int index) -> Status {
    if (target && *target != index)
      return Unprocessable("'prompt_index', 'image_type' and 'image_url' name different images");
    target = index;
    return {};
  };
  if (request.prompt_index) {
    bool found = false;
    for (const auto& [index, type] : set.requested) found = found || index == *request.prompt_index;
    if (!found) {
      return Unprocessable("prompt_index " + std::to_string(*request.prompt_index) + " is not in the set (0.." +
                           std::to_string(set.requested.size() - 1) + ")");
    }
    IRIS_RETURN_IF_ERROR(pick(*request.prompt_index));
  }
  if (request.image_type) {
    std::optional<int> found;
    for (const auto& [index, type] : set.requested) {
      if (type->type == *request.image_type && !found) found = index;
    }
    if (!found) return Unprocessable("image type " + std::to_string(*request.image_type) + " is not in the set");
    IRIS_RETURN_IF_ERROR(pick(*found));
  }
  if (shot_key) {
    std::optional<int> found;
    for (const auto& shot : set.shots) {
      if (shot.key == *shot_key) found = shot.prompt_index;
    }
    if (!found) return Unprocessable("'image_url' is not one of the set's images");
    IRIS_RETURN_IF_ERROR(pick(*found));
  }
  const ShotType* type = nullptr;
  for (const auto& [index, t] : set.requested) {
    if (index == *target) type = t;
  }
  if (!request.height.empty()) set.height = request.height;
  if (!request.width.empty()) set.width = request.width;
  if (type->needs_size) {
    IRIS_RETURN_IF_ERROR(CheckSizeText(set.height, "height"));
    IRIS_RETURN_IF_ERROR(CheckSizeText(set.width, "width"));
  }
  IRIS_ASSIGN_OR_RETURN(auto original, ReadOriginal({set.site, set.original_key, ""}, trace));
  std::string made_bytes;
  Result<Shot> made = [&] {
    ScopedStage stage(trace, "generate");
    return MakeShot(set, *original, *target, *type, made_bytes);
  }();
  IRIS_RETURN_IF_ERROR(made.status());  // the set is unchanged
  // The new shot takes the old one's place (or its failed slot), in prompt_index order.
  std::erase_if(set.failed, [&](const FailedShot& f) { return f.prompt_index == *target; });
  auto at = std::find_if(set.shots.begin(), set.shots.end(), [&](const Shot& s) { return s.prompt_index == *target; });
  if (at != set.shots.end()) {
    bytes[static_cast<std::size_t>(at - set.shots.begin())] = std::move(made_bytes);
    *at = std::move(made).value();
  } else {
    auto pos =
        std::find_if(set.shots.begin(), set.shots.end(), [&](const Shot& s) { return s.prompt_index > *target; });
    bytes.insert(bytes.begin() + (pos - set.shots.begin()), std::move(made_bytes));
    set.shots.insert(pos, std::move(made).value());
  }
  IRIS_RETURN_IF_ERROR(StoreZip(set, bytes, trace));
  set.regenerated = *target;
  return set;
}

Result<StoredImage> ProductShotService::OpenFile(const std::string& website, const std::string& sha256,
                                                 Trace& trace) const {
  IRIS_ASSIGN_OR_RETURN(const CatalogWebsite* site, websites_->Find(website));
  if (!IsSha256Hex(sha256)) return Unprocessable("a file name is 64 lower-case hex characters");
  ScopedStage stage(trace, "storage");
  auto reader = site->blobs->OpenReader(BlobKeyForSha256(sha256));
  if (!reader.ok() && reader.status().code() == StatusCode::kNotFound) {
    return NotFound("website " + site->name + " has no file " + sha256);
  }
  IRIS_RETURN_IF_ERROR(reader.status());
  StoredImage out;
  std::string head(static_cast<std::size_t>(std::min<std::uint64_t>(12, (*reader)->size())), '\0');
  IRIS_RETURN_IF_ERROR((*reader)->ReadAt(0, std::span<char>(head.data(), head.size())));
  out.content_type = std::string(SniffImageMime(head));
  if (out.content_type.empty())
    out.content_type = head.starts_with("PK\x03\x04") ? "application/zip" : "application/octet-stream";
  out.reader = std::move(reader).value();
  return out;
}

Status RunGenerateImagesItem(const ProductShotService& service, JobItemContext& ctx) {
  IRIS_ASSIGN_OR_RETURN(GenerateRequest request, GenerateRequest::FromJson(ctx.params));
  Trace trace;
  IRIS_ASSIGN_OR_RETURN(ShotSet set, service.Generate(request, trace));
  ctx.result = ShotSetJson(set);
  ctx.result["stages_ms"] = trace.StagesJson();
  return Status::Ok();
}

Status ProductShotService::StoreZip(ShotSet& set, const std::vector<std::string>& bytes, Trace& trace) const {
  ScopedStage stage(trace, "zip");
  const std::string manifest = Manifest(set).dump(2);
  std::vector<ZipEntry> entries;
  for (std::size_t i = 0; i < set.shots.size(); ++i) entries.push_back({EntryName(set.shots[i]), bytes[i], false});
  entries.push_back({kManifestName, manifest, true});
  IRIS_ASSIGN_OR_RETURN(std::filesystem::path path, MakeTempFile(temp_dir_, ".zip"));
  TempFile temp{path};
  IRIS_RETURN_IF_ERROR(WriteZipFile(path, entries));
  IRIS_ASSIGN_OR_RETURN(auto mapped, MappedFile::Open(path));
  IRIS_ASSIGN_OR_RETURN(set.zip_key, set.site->blobs->Put(mapped->bytes(), "application/zip"));
  set.zip_url = set.site->file_url(set.zip_key);
  return {};
}

}  // namespace iris::app
