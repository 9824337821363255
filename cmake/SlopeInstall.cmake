# `cmake --install <build> --prefix P`: libslope.so.0 with its public headers, slope-gradcheck,
# the gradcheck_cli library, the CMake package (find_package(slope)) and slope.pc (pkg-config).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS slope EXPORT slopeTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# The public headers are those slope/slope.hpp reaches through its includes; every other header
# is internal to the library or its tests (gradcheck/coordinate.hpp, ops/op_cases.hpp, ...) and is
# not installed. docs/design.md, "Headers and build".
set(slope_queue slope/slope.hpp)
set(slope_public_headers)
while(slope_queue)
  list(POP_FRONT slope_queue header)
  if(header IN_LIST slope_public_headers OR NOT EXISTS ${CMAKE_SOURCE_DIR}/${header})
    continue()  # seen, or generated (slope/version.hpp, installed below)
  endif()
  list(APPEND slope_public_headers ${header})
  get_filename_component(dir ${header} DIRECTORY)
  file(STRINGS ${CMAKE_SOURCE_DIR}/${header} includes REGEX "^#include [\"<]slope/|^#include \"")
  foreach(line IN LISTS includes)
    if(line MATCHES "^#include <slope/([^>]+)>")
      set(found ${CMAKE_MATCH_1})
      if(NOT found MATCHES "/")
        set(found slope/${found})  # <slope/slope.hpp>, <slope/version.hpp>
      endif()
    elseif(line MATCHES "^#include \"([^\"]+)\"")
      cmake_path(SET found NORMALIZE "${dir}/${CMAKE_MATCH_1}")
    else()
      continue()
    endif()
    list(APPEND slope_queue ${found})
  endforeach()
endwhile()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${slope_public_headers})
foreach(header IN LISTS slope_public_headers)
  get_filename_component(dir ${header} DIRECTORY)
  if(dir STREQUAL "slope")
    set(dir "")
  endif()
  install(FILES ${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/slope/${dir})
endforeach()
install(FILES ${SLOPE_BUILD_INCLUDE}/slope/version.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/slope)

install(EXPORT slopeTargets NAMESPACE slope:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/slope)

# slope::distributed (SLOPE_WITH_MPI), with its headers, in an export of its own: a project gets it
# with find_package(slope COMPONENTS distributed), which then needs MPI (and the C language, for
# FindMPI); a project that does not ask needs neither.
if(TARGET slope_distributed)
  install(TARGETS slope_distributed EXPORT slopeDistributedTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  file(GLOB slope_distributed_headers CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/distributed/*.hpp)
  install(FILES ${slope_distributed_headers}
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/slope/distributed)
  install(EXPORT slopeDistributedTargets NAMESPACE slope::
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/slope)
endif()
configure_package_config_file(cmake/slopeConfig.cmake.in
  ${CMAKE_BINARY_DIR}/slopeConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/slope)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/slopeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/slopeConfig.cmake ${CMAKE_BINARY_DIR}/slopeConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/slope)

# slope.pc finds its prefix from its own place (${pcfiledir}), so any --prefix works.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(SLOPE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(SLOPE_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  string(REGEX REPLACE "[^/]+" ".." up "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
  set(SLOPE_PC_PREFIX "\${pcfiledir}/${up}")
  set(SLOPE_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
configure_file(cmake/slope.pc.in ${CMAKE_BINARY_DIR}/slope.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/slope.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
