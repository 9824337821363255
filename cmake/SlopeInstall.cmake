include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS slope EXPORT slopeTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES slope/slope.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/slope)
foreach(part graph ops gradcheck data optim nn)
  install(DIRECTORY ${part}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/slope/${part}
    FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(EXPORT slopeTargets NAMESPACE slope:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/slope)
configure_package_config_file(cmake/slopeConfig.cmake.in
  ${CMAKE_BINARY_DIR}/slopeConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/slope)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/slopeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/slopeConfig.cmake ${CMAKE_BINARY_DIR}/slopeConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/slope)
