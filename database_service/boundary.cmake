# The boundary, at build time: no database_service target may link, directly or
# transitively, anything defined under instance_service/ (its repository and SQL,
# migrations, handlers). The boundary is about the instance database, not about
# libpq: the shared libpq layer (pq/, top level) is allowed, since database-service
# talks to its pool servers with it. Checked at the end of configuration, when
# every target exists; a violation stops `cmake` with the offending path. The
# closure is also written to database_service_link_closure.txt, which the
# boundary test reads.
include(${PROJECT_SOURCE_DIR}/cmake/link_closure.cmake)

function(dbs_check_database_service_boundary)
  set(report)
  foreach(target IN LISTS ARGN)
    dbs_link_closure(closure ${target})
    foreach(dependency IN LISTS closure)
      get_target_property(imported "${dependency}" IMPORTED)
      if(imported)
        continue()
      endif()
      get_target_property(source_dir "${dependency}" SOURCE_DIR)
      file(RELATIVE_PATH where "${PROJECT_SOURCE_DIR}" "${source_dir}")
      list(APPEND report "${target} -> ${dependency} (${where})")
      if(where MATCHES "^instance_service(/|$)")
        message(FATAL_ERROR
                "database-service boundary: ${target} links ${dependency}, defined in ${where}/. "
                "database-service reaches the instance database only through "
                "dbs::instance_service_client.")
      endif()
    endforeach()
  endforeach()
  list(JOIN report "\n" report_text)
  file(WRITE ${CMAKE_BINARY_DIR}/database_service_link_closure.txt "${report_text}\n")
endfunction()

# (Arguments of a deferred call are expanded when it runs, in the top directory's
# scope, so the targets are spelled out here.)
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL dbs_check_database_service_boundary
               dbs_database_service_pool_admin dbs_database_service_flows
               dbs_database_service_api database_service)
