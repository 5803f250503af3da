# cmake -DINPUT=file -DOUTPUT=file.cc -DHEADER=dir/header.h -DNAMESPACE=iris::x -DFUNCTION=Name -P embed_text.cmake
# Writes a .cc defining `std::string_view NAMESPACE::FUNCTION()` that returns INPUT's bytes verbatim.
file(READ ${INPUT} content)
string(FIND "${content}" ")iris_text\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )iris_text\"")
endif()
file(WRITE ${OUTPUT}.tmp
  "// Generated from ${INPUT} by embed_text.cmake. Do not edit.\n"
  "#include \"${HEADER}\"\n\n"
  "namespace ${NAMESPACE} {\n\n"
  "std::string_view ${FUNCTION}() {\n"
  "  static constexpr char kText[] = R\"iris_text(${content})iris_text\";\n"
  "  return {kText, sizeof(kText) - 1};\n"
  "}\n\n"
  "}  // namespace ${NAMESPACE}\n")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
