#include "vision/image_session_run.h"

namespace iris {

Result<ImageSessionRun> RunSessionOnImage(const OnnxSession& session, const RgbImage& image,
                                          const ImagePreprocessing& preprocessing) {
  const std::int64_t h = preprocessing.height, w = preprocessing.width;
  IRIS_ASSIGN_OR_RETURN(Tensor input, Tensor::Zeros(ElementType::kFloat32, {1, 3, h, w}));
  ImageSessionRun run;
  IRIS_ASSIGN_OR_RETURN(run.placement, WriteImageTensor(image, preprocessing, input.mutable_values<float>()));
  std::vector<Tensor> inputs;
  inputs.push_back(std::move(input));
  IRIS_ASSIGN_OR_RETURN(run.outputs, session.Run(inputs));
  return run;
}

}  // namespace iris
