// One image through an image-input ONNX session without a batcher: the per-call path of the
// detectors (ObjectDetector, YunetFaceDetector, UltrafaceFaceDetector), whose exports fix a batch of
// 1 or whose input size changes per image.
//
// Contract: RunSessionOnImage writes `image` preprocessed per `preprocessing` into a [1,3,H,W]
// float tensor (H, W from preprocessing; WriteImageTensor), runs the session once in the caller's
// thread and returns its outputs with the placement that maps source pixels into the tensor (to map
// detections back). Errors: WriteImageTensor's (InvalidArgument, Unprocessable) or the session's.
// Thread-safe (OnnxSession::Run may be called concurrently).
#pragma once

#include <vector>

#include "core/result.h"
#include "image/rgb_image.h"
#include "runtime/onnx_session.h"
#include "vision/image_tensor.h"

namespace iris {

struct ImageSessionRun {
  TensorPlacement placement;
  std::vector<Tensor> outputs;
};

Result<ImageSessionRun> RunSessionOnImage(const OnnxSession& session, const RgbImage& image,
                                          const ImagePreprocessing& preprocessing);

}  // namespace iris
