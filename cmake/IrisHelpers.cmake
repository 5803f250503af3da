# iris_module(NAME SOURCES ... DEPS ...): a static library for one src/ module.
function(iris_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# iris_test(NAME SOURCES ... DEPS ... [LABELS ...]): a GoogleTest executable registered with
# ctest, one ctest entry per TEST(). Tests read ../shared through IRIS_SHARED_DIR and find the
# built iris binary through IRIS_BINARY.
function(iris_test name)
  if(NOT IRIS_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} iris_test_support GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 30
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 300
      ENVIRONMENT "IRIS_SHARED_DIR_DEFAULT=${IRIS_SHARED_DIR};IRIS_BINARY=${CMAKE_BINARY_DIR}/iris;IRIS_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
