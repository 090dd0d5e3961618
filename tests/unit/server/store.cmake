# The event store suite, once per engine: SQLite on a temp file, and
# PostgreSQL on a throwaway server that tests/blackbox/pg.sh starts (it
# skips with 77 when PostgreSQL is missing, or fails under
# AP_REQUIRE_CLIENTS=1).
function(ap_add_store_test name)
    ap_add_unit_test(${name} server/${name}.c)
    target_link_libraries(${name} PRIVATE apiary_store PkgConfig::SQLITE)
    add_test(NAME unit.${name}_pg
             COMMAND bash ${CMAKE_SOURCE_DIR}/tests/blackbox/pg.sh run
                     $<TARGET_FILE:${name}>)
    set_tests_properties(unit.${name}_pg PROPERTIES
        LABELS unit TIMEOUT 300 SKIP_RETURN_CODE 77)
endfunction()

ap_add_store_test(test_store)
# Cached top-N lists (store_topk.c) against brute force.
ap_add_store_test(test_store_topk)
# web2: sorted search (ap_store_events_sorted).
ap_add_store_test(test_store_sort)
# Lists/counts filtered by low-cardinality dimensions only, read hour by
# hour as the rollup guides (store_guided.c).
ap_add_store_test(test_store_guided)
# Batches mixing new, stored and repeated events (SQLite's multi-row
# inserts tell which rows were new).
ap_add_store_test(test_store_batches)
