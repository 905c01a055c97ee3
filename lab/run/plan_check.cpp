#include "run/plan_check.h"

#include <set>

#include "config/plan_loader.h"
#include "image/upload_image.h"

namespace fuselab {
namespace {

// Re-throws a value's UserError at the place the plan gave it; a default value has no place.
template <typename Check>
void at_origin(const ValueOrigin& origin, Check check) {
  try {
    check();
  } catch (const ConfigError&) {
    throw;
  } catch (const UserError& e) {
    if (origin.line == 0) throw;
    throw ConfigError(origin.file, origin.line, origin.column, origin.key, e.what(), e.hint());
  }
}

}  // namespace

void check_plan_values(const Plan& plan, const ArtifactResolver& resolver) {
  std::set<std::string> kernels, images, uploads;
  for (const auto& cell : plan.cells) {
    if (kernels.insert(cell.kernel).second) {
      at_origin(cell.kernel_origin, [&] { resolver.check_kernel(cell.kernel); });
    }
    if (images.insert(cell.image).second) {
      at_origin(cell.image_origin, [&] { resolver.check_image(cell.image); });
    }
    if (!cell.upload.empty() && uploads.insert(cell.upload).second) {
      at_origin(cell.upload_origin, [&] { check_upload(cell.upload); });
    }
  }
}

}  // namespace fuselab
