# SPDX-License-Identifier: GPL-2.0
# libvpin.so exports exactly the functions of libvpin.map, each with its
# version, those are the functions vpin.h declares, and it needs no C++
# runtime.
#
#   cmake -DLIB=libvpin.so -DMAP=libvpin.map -DHEADER=vpin.h -DNM=nm
#         -DREADELF=readelf -P libvpin_symbols.cmake
foreach(var LIB MAP HEADER NM READELF)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "${var} is not set")
  endif()
endforeach()

# The map: NODE { global: a; b; local: *; }; (with , for ; here)
file(READ "${MAP}" map)
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" map "${map}")
# A ; would split the node into list elements.
string(REPLACE ";" "," map "${map}")
string(REGEX MATCHALL "[A-Za-z0-9_.]+[ \t\n]*{[^}]*}" nodes "${map}")
set(want "")
foreach(node IN LISTS nodes)
  string(REGEX MATCH "^[A-Za-z0-9_.]+" version "${node}")
  string(REGEX MATCH "global:[^}]*" global "${node}")
  string(REGEX REPLACE "local:.*" "" global "${global}")
  string(REGEX MATCHALL "[A-Za-z_][A-Za-z0-9_]*[ \t\n]*," names "${global}")
  foreach(name IN LISTS names)
    string(REGEX REPLACE "[ \t\n,]" "" name "${name}")
    list(APPEND want "${name}@@${version}")
  endforeach()
endforeach()
list(SORT want)
if(NOT want)
  message(FATAL_ERROR "${MAP}: no symbols found")
endif()

# nm -D --defined-only: "ADDRESS TYPE NAME@@VERSION", and "0 A VERSION" for
# each version node.
execute_process(COMMAND "${NM}" -D --defined-only "${LIB}"
                OUTPUT_VARIABLE nm_out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} -D --defined-only ${LIB} failed")
endif()
string(REPLACE "\n" ";" lines "${nm_out}")
set(have "")
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9a-f]+ ([A-Za-z]) (.+)$")
    set(type "${CMAKE_MATCH_1}")
    set(symbol "${CMAKE_MATCH_2}")
    if(type STREQUAL "A" AND symbol MATCHES "^[A-Za-z0-9_.]+$")
      continue() # the version node itself
    endif()
    if(NOT type STREQUAL "T")
      message(SEND_ERROR "${LIB} exports ${symbol} of type ${type}, not a function")
    endif()
    list(APPEND have "${symbol}")
  endif()
endforeach()
list(SORT have)
if(NOT have STREQUAL want)
  message(FATAL_ERROR "${LIB} exports\n  ${have}\nbut ${MAP} lists\n  ${want}")
endif()

# vpin.h: one "int vpin_NAME(" declaration per function.
file(STRINGS "${HEADER}" declarations REGEX "^int vpin_[a-z_]+\\(")
set(declared "")
foreach(line IN LISTS declarations)
  string(REGEX MATCH "vpin_[a-z_]+" name "${line}")
  list(APPEND declared "${name}")
endforeach()
list(SORT declared)
string(REGEX REPLACE "@@[A-Za-z0-9_.]+" "" listed "${want}")
if(NOT declared STREQUAL listed)
  message(FATAL_ERROR "${HEADER} declares\n  ${declared}\nbut ${MAP} lists\n  ${listed}")
endif()

# A C library: libc only, no libstdc++, no undefined symbols left to others.
execute_process(COMMAND "${READELF}" -d "${LIB}" OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${READELF} -d ${LIB} failed")
endif()
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*\\[[^]]+\\]" needed "${dynamic}")
foreach(entry IN LISTS needed)
  string(REGEX MATCH "\\[([^]]+)\\]" ignored "${entry}")
  if(NOT CMAKE_MATCH_1 MATCHES "^libc\\.so\\.")
    message(FATAL_ERROR "${LIB} needs ${CMAKE_MATCH_1}")
  endif()
endforeach()
if(NOT dynamic MATCHES "\\(SONAME\\)[^\n]*\\[libvpin\\.so\\.1\\]")
  message(FATAL_ERROR "${LIB}: the soname is not libvpin.so.1")
endif()
list(LENGTH want n)
message(STATUS "${LIB}: ${n} functions, as ${MAP} lists and ${HEADER} declares")
