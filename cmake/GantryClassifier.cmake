# The shipped reference classifier (gantry/eval/reference_classifier.hpp): its weights and the
# record committed with them live beside the image_metrics plugin; the SHA-256 the weights must
# have is read from the record here and compiled into gantry_core (framework/CMakeLists.txt), so
# weights changed after the build are refused. plugins/CMakeLists.txt copies and installs the
# weights into the built-in plugin directory's image_metrics/.
set(GANTRY_CLASSIFIER_DIR ${PROJECT_SOURCE_DIR}/plugins/metrics/image/reference)
file(STRINGS ${GANTRY_CLASSIFIER_DIR}/fashion_mnist_cnn.txt GANTRY_CLASSIFIER_SHA256 REGEX "^sha256: [0-9a-f]+$")
string(REPLACE "sha256: " "" GANTRY_CLASSIFIER_SHA256 "${GANTRY_CLASSIFIER_SHA256}")
string(LENGTH "${GANTRY_CLASSIFIER_SHA256}" GANTRY_CLASSIFIER_SHA256_LENGTH)
if(NOT GANTRY_CLASSIFIER_SHA256_LENGTH EQUAL 64)
  message(FATAL_ERROR "${GANTRY_CLASSIFIER_DIR}/fashion_mnist_cnn.txt: expected a line 'sha256: <64 hex digits>'")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${GANTRY_CLASSIFIER_DIR}/fashion_mnist_cnn.txt)
