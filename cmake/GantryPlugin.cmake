# gantry_add_plugin(<name> SOURCES <files...>): one plugin = one MODULE library in build/plugins,
# built with hidden visibility so two plugins never shadow each other's symbols.
function(gantry_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE Gantry::core)
  set_target_properties(${name} PROPERTIES
    PREFIX "libgantry_"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${GANTRY_PLUGIN_OUTPUT_DIR})
  install(TARGETS ${name} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/gantry/plugins)
endfunction()
