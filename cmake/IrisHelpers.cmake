# iris_module(NAME SOURCES ... DEPS ...): a static library for one src/ module.
function(iris_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# iris_test(NAME SOURCES ... DEPS ... [LABELS ...]): a GoogleTest executable registered with
# ctest, one ctest entry per TEST(). tests/support knows the shared dir, the built iris binary and the
# source dir (compiled in; IRIS_SHARED_DIR and IRIS_BINARY override them at run time).
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
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT 300)
endfunction()

# iris_module_from_folder(NAME DEPS ... [TEST_DEPS ...]): the usual way a src/ module is built.
# Every *.cc in the folder except *_test.cc goes into the static library NAME; every *_test.cc
# goes into one GoogleTest executable NAME_test. Adding a file needs no CMake edit (CONFIGURE_DEPENDS
# re-globs on the next build).
function(iris_module_from_folder name)
  cmake_parse_arguments(ARG "" "" "DEPS;TEST_DEPS" ${ARGN})
  file(GLOB all_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  file(GLOB test_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  set(lib_sources ${all_sources})
  if(test_sources)
    list(REMOVE_ITEM lib_sources ${test_sources})
  endif()
  if(lib_sources)
    iris_module(${name} SOURCES ${lib_sources} DEPS ${ARG_DEPS})
  else()
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${name} INTERFACE ${ARG_DEPS})
  endif()
  if(test_sources)
    iris_test(${name}_test SOURCES ${test_sources} DEPS ${name} ${ARG_TEST_DEPS})
  endif()
endfunction()

# iris_embed_text(TARGET FILE HEADER NAMESPACE FUNCTION): compiles FILE (relative to the source root) into
# TARGET as `std::string_view NAMESPACE::FUNCTION()` returning its bytes (declared in HEADER), regenerated
# when the file changes (cmake/embed_text.cmake).
function(iris_embed_text target file header namespace function)
  set(input ${PROJECT_SOURCE_DIR}/${file})
  set(output ${CMAKE_CURRENT_BINARY_DIR}/generated/${function}.cc)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${output} -DHEADER=${header} -DNAMESPACE=${namespace}
            -DFUNCTION=${function} -P ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    COMMENT "Embedding ${file}"
    VERBATIM)
  target_sources(${target} PRIVATE ${output})
endfunction()

# iris_embed_files(TARGET HEADER NAMESPACE FUNCTION BASE_DIR FILE...): compiles the text files FILE... (relative
# to BASE_DIR, itself relative to the source root) into TARGET as
# `std::span<const EmbeddedFile> NAMESPACE::FUNCTION()` ({name, bytes} per file; EmbeddedFile and the function
# declared in HEADER), regenerated when any file changes (cmake/embed_files.cmake).
function(iris_embed_files target header namespace function base_dir)
  set(files ${ARGN})
  set(inputs "")
  foreach(name IN LISTS files)
    list(APPEND inputs ${PROJECT_SOURCE_DIR}/${base_dir}/${name})
  endforeach()
  set(output ${CMAKE_CURRENT_BINARY_DIR}/generated/${function}.cc)
  string(REPLACE ";" "," files_arg "${files}")  # a list argument would be split into several arguments
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DHEADER=${header} -DNAMESPACE=${namespace} -DFUNCTION=${function}
            -DBASE=${PROJECT_SOURCE_DIR}/${base_dir} "-DFILES=${files_arg}" -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${inputs} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "Embedding ${base_dir}"
    VERBATIM)
  target_sources(${target} PRIVATE ${output})
endfunction()
