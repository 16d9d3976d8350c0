#===- compiler/API/Install.cmake - install rules and the CMake package ----===#
#
# `cmake --install BUILD --component attnc-dev --prefix P` installs the C++
# JIT API: its headers (compiler/API/attnc.h and the runtime headers it
# includes, under P/include with their repository paths), attnc's static
# libraries it links, and P/lib/cmake/attnc/attncConfig.cmake, so that
#
#   find_package(attnc REQUIRED)
#   target_link_libraries(app PRIVATE attnc::attnc)
#
# works from another CMake project. The set of libraries is the link closure
# of AttncAPI, computed here so that new components need no edit. MLIR and
# LLVM are not copied: the package config finds the same LLVM 22 packages.
# Included from the top-level CMakeLists.txt after every target exists.
#
#===----------------------------------------------------------------------===#
include(CMakePackageConfigHelpers)

# Our (non-imported) libraries that AttncAPI links, and the imported targets
# they refer to (to know which packages the config must find).
set_property(GLOBAL PROPERTY _ATTNC_LOCAL_DEPS "")
set_property(GLOBAL PROPERTY _ATTNC_IMPORTED_DEPS "")
function(_attnc_collect target)
  get_property(seen GLOBAL PROPERTY _ATTNC_LOCAL_DEPS)
  if(target IN_LIST seen)
    return()
  endif()
  get_target_property(imported ${target} IMPORTED)
  if(imported)
    set_property(GLOBAL APPEND PROPERTY _ATTNC_IMPORTED_DEPS ${target})
    return()
  endif()
  set_property(GLOBAL APPEND PROPERTY _ATTNC_LOCAL_DEPS ${target})
  get_target_property(libs ${target} LINK_LIBRARIES)
  get_target_property(ilibs ${target} INTERFACE_LINK_LIBRARIES)
  foreach(lib IN LISTS libs ilibs)
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
    if(TARGET ${lib})
      _attnc_collect(${lib})
    elseif(lib MATCHES "::")
      # An imported target found in another directory (not visible here).
      set_property(GLOBAL APPEND PROPERTY _ATTNC_IMPORTED_DEPS ${lib})
    endif()
  endforeach()
endfunction()
_attnc_collect(AttncAPI)
get_property(_attnc_libs GLOBAL PROPERTY _ATTNC_LOCAL_DEPS)
get_property(_attnc_imported GLOBAL PROPERTY _ATTNC_IMPORTED_DEPS)

# Include paths into the source tree are for the build only; installed
# consumers get P/include from attnc::attnc.
foreach(lib IN LISTS _attnc_libs)
  get_target_property(dirs ${lib} INTERFACE_INCLUDE_DIRECTORIES)
  if(dirs)
    set(wrapped)
    foreach(d IN LISTS dirs)
      if(d MATCHES "^\\$<")
        list(APPEND wrapped "${d}")
      else()
        list(APPEND wrapped "$<BUILD_INTERFACE:${d}>")
      endif()
    endforeach()
    set_target_properties(${lib} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${wrapped}")
  endif()
endforeach()

# attnc::attnc: the one target consumers link.
add_library(AttncPackage INTERFACE)
set_target_properties(AttncPackage PROPERTIES EXPORT_NAME attnc)
target_link_libraries(AttncPackage INTERFACE AttncAPI)
target_include_directories(AttncPackage INTERFACE $<INSTALL_INTERFACE:include>
                           $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}> $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}>)
# Static libraries built with -DATTNC_SANITIZE need the sanitizer runtimes at
# the consumer's link step.
if(ATTNC_SANITIZE)
  target_link_options(AttncPackage INTERFACE -fsanitize=${ATTNC_SANITIZE})
endif()

install(TARGETS AttncPackage ${_attnc_libs}
  EXPORT attncTargets
  ARCHIVE DESTINATION lib COMPONENT attnc-dev
  LIBRARY DESTINATION lib COMPONENT attnc-dev
  INCLUDES DESTINATION include)
install(EXPORT attncTargets NAMESPACE attnc:: DESTINATION lib/cmake/attnc COMPONENT attnc-dev)
install(FILES ${PROJECT_SOURCE_DIR}/compiler/API/attnc.h DESTINATION include/compiler/API COMPONENT attnc-dev)
install(FILES ${PROJECT_SOURCE_DIR}/runtime/core/DType.h ${PROJECT_SOURCE_DIR}/runtime/core/Npy.h
              ${PROJECT_SOURCE_DIR}/runtime/core/Status.h ${PROJECT_SOURCE_DIR}/runtime/core/Tensor.h
        DESTINATION include/runtime/core COMPONENT attnc-dev)

# Packages the imported targets come from.
set(ATTNC_CONFIG_DEPENDENCIES "find_dependency(MLIR CONFIG HINTS \"${MLIR_DIR}\")\n")
foreach(pkg Threads nlohmann_json fmt)
  foreach(t IN LISTS _attnc_imported)
    if(t MATCHES "^${pkg}::")
      string(APPEND ATTNC_CONFIG_DEPENDENCIES "find_dependency(${pkg})\n")
      break()
    endif()
  endforeach()
endforeach()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/attncConfig.cmake.in
  ${CMAKE_BINARY_DIR}/lib/cmake/attnc/attncConfig.cmake
  INSTALL_DESTINATION lib/cmake/attnc)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/lib/cmake/attnc/attncConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/lib/cmake/attnc/attncConfig.cmake
              ${CMAKE_BINARY_DIR}/lib/cmake/attnc/attncConfigVersion.cmake
        DESTINATION lib/cmake/attnc COMPONENT attnc-dev)
