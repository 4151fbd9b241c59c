# Honest dependency edges, at build time. Every library here exports the
# repository root as its include directory (the Abseil and google-cloud-cpp
# convention: `#include "pq/pg_pool.h"` names the folder), so the compiler would
# accept an #include of any header in the tree. This check makes the edge the
# include stands for explicit instead: for every target, tests included, each
# quoted #include of a header that another target owns must name a target in the
# including target's link closure. A header belongs to the target that lists it
# or its .cc among its sources. A violation stops `cmake` with the file, the
# include and the missing edge, e.g.
#   client/internal/channel.cc includes serving/keepalive_policy.h (dbs_keepalive_policy),
#   which dbs_instance_service_client does not link
# (the very leak that made this check: client/ reached serving/ only because every
# include path was the repository root).
include(${CMAKE_CURRENT_LIST_DIR}/link_closure.cmake)

# Every build-system target defined in `dir` and below.
function(dbs_targets_under dir out_var)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirectories DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdirectory IN LISTS subdirectories)
    dbs_targets_under(${subdirectory} nested)
    list(APPEND targets ${nested})
  endforeach()
  set(${out_var} ${targets} PARENT_SCOPE)
endfunction()

# The repository-relative paths of `target`'s own sources (and each .cc's header).
function(dbs_owned_files target out_var)
  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  set(owned)
  foreach(source IN LISTS sources)
    if(source MATCHES "^\\$<")
      continue()
    endif()
    get_filename_component(absolute ${source} ABSOLUTE BASE_DIR ${source_dir})
    file(RELATIVE_PATH relative ${PROJECT_SOURCE_DIR} ${absolute})
    if(relative MATCHES "^\\.\\./" OR NOT EXISTS ${absolute})
      continue()  # generated (build/) or outside the tree
    endif()
    list(APPEND owned ${relative})
    string(REGEX REPLACE "\\.cc$" ".h" header ${relative})
    if(NOT header STREQUAL relative AND EXISTS ${PROJECT_SOURCE_DIR}/${header})
      list(APPEND owned ${header})
    endif()
  endforeach()
  list(REMOVE_DUPLICATES owned)
  set(${out_var} ${owned} PARENT_SCOPE)
endfunction()

function(dbs_check_include_edges)
  dbs_targets_under(${PROJECT_SOURCE_DIR} all_targets)
  set(checked)
  foreach(target IN LISTS all_targets)
    get_target_property(type ${target} TYPE)
    if(NOT type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|OBJECT_LIBRARY|INTERFACE_LIBRARY|EXECUTABLE)$")
      continue()
    endif()
    dbs_owned_files(${target} owned)
    set(owned_${target} ${owned})
    foreach(file IN LISTS owned)
      string(MAKE_C_IDENTIFIER "${file}" key)
      set(owner_${key} ${target})
    endforeach()
    list(APPEND checked ${target})
  endforeach()

  set(violations)
  foreach(target IN LISTS checked)
    dbs_link_closure(closure ${target})
    foreach(file IN LISTS owned_${target})
      file(STRINGS ${PROJECT_SOURCE_DIR}/${file} includes REGEX "^#include \"[^\"]+\"")
      foreach(line IN LISTS includes)
        string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" included "${line}")
        string(MAKE_C_IDENTIFIER "${included}" key)
        set(owner "${owner_${key}}")
        if(owner AND NOT owner IN_LIST closure)
          list(APPEND violations
               "${file} includes ${included} (${owner}), which ${target} does not link")
        endif()
      endforeach()
    endforeach()
  endforeach()
  if(violations)
    list(JOIN violations "\n  " text)
    message(FATAL_ERROR "Undeclared dependencies (link the owning target, PUBLIC if the "
                        "include is in a header):\n  ${text}")
  endif()
endfunction()

cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL dbs_check_include_edges)
