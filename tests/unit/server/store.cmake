# The event store suite, once per engine: SQLite on a temp file, and
# PostgreSQL on a throwaway server that tests/blackbox/pg.sh starts (it
# skips with 77 when PostgreSQL is missing, or fails under
# AP_REQUIRE_CLIENTS=1).
ap_add_unit_test(test_store server/test_store.c)
target_link_libraries(test_store PRIVATE apiary_store)
add_test(NAME unit.test_store_pg
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/blackbox/pg.sh run
                 $<TARGET_FILE:test_store>)
set_tests_properties(unit.test_store_pg PROPERTIES
    LABELS unit TIMEOUT 300 SKIP_RETURN_CODE 77)
# Cached top-N lists (store_topk.c) against brute force, both engines.
ap_add_unit_test(test_store_topk server/test_store_topk.c)
target_link_libraries(test_store_topk PRIVATE apiary_store)
add_test(NAME unit.test_store_topk_pg
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/blackbox/pg.sh run
                 $<TARGET_FILE:test_store_topk>)
set_tests_properties(unit.test_store_topk_pg PROPERTIES
    LABELS unit TIMEOUT 300 SKIP_RETURN_CODE 77)
target_link_libraries(test_store_topk PRIVATE PkgConfig::SQLITE)
# web2: sorted search (ap_store_events_sorted), both engines
ap_add_unit_test(test_store_sort server/test_store_sort.c)
target_link_libraries(test_store_sort PRIVATE apiary_store)
add_test(NAME unit.test_store_sort_pg
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/blackbox/pg.sh run
                 $<TARGET_FILE:test_store_sort>)
set_tests_properties(unit.test_store_sort_pg PROPERTIES
    LABELS unit TIMEOUT 300 SKIP_RETURN_CODE 77)
# Lists/counts filtered by low-cardinality dimensions only, read hour by
# hour as the rollup guides (store_guided.c), both engines
ap_add_unit_test(test_store_guided server/test_store_guided.c)
target_link_libraries(test_store_guided PRIVATE apiary_store)
add_test(NAME unit.test_store_guided_pg
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/blackbox/pg.sh run
                 $<TARGET_FILE:test_store_guided>)
set_tests_properties(unit.test_store_guided_pg PROPERTIES
    LABELS unit TIMEOUT 300 SKIP_RETURN_CODE 77)
# Batches mixing new, stored and repeated events (SQLite's multi-row
# inserts tell which rows were new), both engines
ap_add_unit_test(test_store_batches server/test_store_batches.c)
target_link_libraries(test_store_batches PRIVATE apiary_store)
add_test(NAME unit.test_store_batches_pg
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/blackbox/pg.sh run
                 $<TARGET_FILE:test_store_batches>)
set_tests_properties(unit.test_store_batches_pg PROPERTIES
    LABELS unit TIMEOUT 300 SKIP_RETURN_CODE 77)
