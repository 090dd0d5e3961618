# Unit tests: one executable per test file, so a crash fails one test only.
function(ap_add_unit_test name)
    add_executable(${name} ${ARGN})
    target_link_libraries(${name} PRIVATE apiary_core)
    target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/unit)
    add_test(NAME unit.${name} COMMAND ${name})
    set_tests_properties(unit.${name} PROPERTIES LABELS unit TIMEOUT 60)
endfunction()

# Black-box tests: a shell script that drives the real binary with real
# clients.  Exit 77 = a client is missing; .ci/run sets AP_REQUIRE_CLIENTS=1
# so that lib.sh turns that into a failure instead.
function(ap_add_blackbox_test name script)
    add_test(NAME blackbox.${name}
             COMMAND bash ${CMAKE_SOURCE_DIR}/tests/blackbox/${script})
    set_tests_properties(blackbox.${name} PROPERTIES
        LABELS blackbox TIMEOUT 300 SKIP_RETURN_CODE 77
        ENVIRONMENT "APIARY=$<TARGET_FILE:apiary>;AP_SRC=${CMAKE_SOURCE_DIR};AP_BUILD=${CMAKE_BINARY_DIR}")
endfunction()

# libFuzzer targets: tests/fuzz/NAME.c with a seed corpus in
# tests/fuzz/corpus/NAME/.  ctest runs each for AP_FUZZ_SECONDS as a smoke
# test; run longer by hand: build-fuzz/tests/fuzz/NAME -max_total_time=600
set(AP_FUZZ_SECONDS 10 CACHE STRING "seconds per fuzz target under ctest")
function(ap_add_fuzz_target name)
    add_executable(${name} ${ARGN})
    target_link_libraries(${name} PRIVATE apiary_core)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    set(corpus ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${name})
    set(work ${CMAKE_CURRENT_BINARY_DIR}/corpus-${name})
    add_test(NAME fuzz.${name}
             COMMAND sh -c "mkdir -p ${work} && exec $<TARGET_FILE:${name}> -max_total_time=${AP_FUZZ_SECONDS} -rss_limit_mb=2048 -timeout=10 ${work} ${corpus}")
    set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 120)
endfunction()
