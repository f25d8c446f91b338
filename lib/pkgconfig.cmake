# SPDX-License-Identifier: MIT
# Writes vpin.pc (VPIN_PC_OUT, from VPIN_PC_IN) for the prefix an
# installation goes to; run by `cmake --install`, which sets
# CMAKE_INSTALL_PREFIX (--prefix included). VPIN_LIBDIR and VPIN_INCLUDEDIR
# are GNUInstallDirs' directories, relative to the prefix or absolute.
set(prefix "${CMAKE_INSTALL_PREFIX}")
foreach(name libdir includedir)
  string(TOUPPER "VPIN_${name}" var)
  if(IS_ABSOLUTE "${${var}}")
    set(${name} "${${var}}")
  else()
    set(${name} "\${prefix}/${${var}}")
  endif()
endforeach()
configure_file("${VPIN_PC_IN}" "${VPIN_PC_OUT}" @ONLY)
