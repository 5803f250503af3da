# cmake -DINPUT=catalog.json -DOUTPUT=file.cc -P embed_catalog.cmake
# Writes a .cc defining iris::models::EmbeddedCatalogJson() that returns INPUT's bytes verbatim.
file(READ ${INPUT} content)
string(FIND "${content}" ")iris_catalog\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )iris_catalog\"")
endif()
file(WRITE ${OUTPUT}.tmp
  "// Generated from ${INPUT} by embed_catalog.cmake. Do not edit.\n"
  "#include \"models/embedded_catalog.h\"\n\n"
  "namespace iris::models {\n\n"
  "std::string_view EmbeddedCatalogJson() {\n"
  "  static constexpr char kJson[] = R\"iris_catalog(${content})iris_catalog\";\n"
  "  return {kJson, sizeof(kJson) - 1};\n"
  "}\n\n"
  "}  // namespace iris::models\n")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)
