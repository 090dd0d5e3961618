# The union of OpenSSH's configure.ac and curl's PickyWarnings (STYLE.md 3.11).
set(AP_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
    -Wmissing-prototypes -Wformat=2 -Wvla -Wimplicit-fallthrough
    -Wcast-align -Wpointer-arith -Wundef -Wno-format-nonliteral)
if(AP_WERROR)
    list(APPEND AP_WARNINGS -Werror)
endif()
add_compile_options(${AP_WARNINGS} -D_FORTIFY_SOURCE=2 -fstack-protector-strong)
add_compile_definitions(_GNU_SOURCE)

if(AP_SANITIZE)
    add_compile_options(-fsanitize=${AP_SANITIZE} -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${AP_SANITIZE})
endif()

if(AP_FUZZ)
    if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
        message(FATAL_ERROR "AP_FUZZ needs clang: CC=clang cmake -DAP_FUZZ=ON")
    endif()
    # Everything is instrumented for coverage; only fuzz targets link the
    # libFuzzer main.
    add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                        -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
endif()
