# ThreadSanitizer build only (included at the end of the top-level
# CMakeLists.txt): links absl_tsan_annotations.cc, which makes Debian's
# uninstrumented absl::Mutex, CondVar and Notification visible to TSan, into
# every executable of the build.
add_library(dbs_tsan_absl_annotations OBJECT ${CMAKE_CURRENT_LIST_DIR}/absl_tsan_annotations.cc)
target_link_libraries(dbs_tsan_absl_annotations PUBLIC absl::synchronization ${CMAKE_DL_LIBS})

function(dbs_tsan_annotate_executables dir)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE")
      target_link_libraries(${target} PRIVATE dbs_tsan_absl_annotations)
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    dbs_tsan_annotate_executables(${subdir})
  endforeach()
endfunction()
dbs_tsan_annotate_executables(${PROJECT_SOURCE_DIR})
