# cmake/tlslib.cmake - which TLS library OPENSSL_ROOT_DIR holds: OpenSSL 3,
# BoringSSL or AWS-LC (include/ticketlab/tlslib.h). Sets
#   TL_TLSLIB         openssl | boringssl | aws-lc
#   TL_TLSLIB_SOURCES the seam's source file for it (relative to src/)
#   TL_TLSLIB_SOURCE  "BoringSSL a0689af29e8e": the prefix's TICKETLAB_SOURCE
#                     file (ci/tlslib.sh writes it), else the library's name
# and links the C++ runtime that the static BoringSSL and AWS-LC need.
find_package(OpenSSL REQUIRED)
include(CheckSymbolExists)
set(CMAKE_REQUIRED_INCLUDES ${OPENSSL_INCLUDE_DIR})
check_symbol_exists(OPENSSL_IS_AWSLC "openssl/base.h" TL_HAVE_AWSLC)
if(NOT TL_HAVE_AWSLC)
  check_symbol_exists(OPENSSL_IS_BORINGSSL "openssl/base.h" TL_HAVE_BORINGSSL)
endif()
unset(CMAKE_REQUIRED_INCLUDES)

if(TL_HAVE_AWSLC)
  set(TL_TLSLIB aws-lc)
  set(TL_TLSLIB_NAME AWS-LC)
elseif(TL_HAVE_BORINGSSL)
  set(TL_TLSLIB boringssl)
  set(TL_TLSLIB_NAME BoringSSL)
else()
  set(TL_TLSLIB openssl)
  set(TL_TLSLIB_NAME OpenSSL)
  if(OPENSSL_VERSION VERSION_LESS 3.0)
    message(FATAL_ERROR "ticketlab needs OpenSSL 3.0 or later, BoringSSL or AWS-LC; "
                        "${OPENSSL_INCLUDE_DIR} is OpenSSL ${OPENSSL_VERSION}")
  endif()
endif()

if(TL_TLSLIB STREQUAL openssl)
  set(TL_TLSLIB_SOURCES det/tlslib_openssl.c det/rng_provider.c)
  set(TL_TLSLIB_SOURCE "OpenSSL ${OPENSSL_VERSION}")
else()
  set(TL_TLSLIB_SOURCES det/tlslib_boring.c)
  get_filename_component(TL_TLSLIB_PREFIX ${OPENSSL_INCLUDE_DIR} DIRECTORY)
  if(EXISTS ${TL_TLSLIB_PREFIX}/TICKETLAB_SOURCE)
    file(STRINGS ${TL_TLSLIB_PREFIX}/TICKETLAB_SOURCE TL_TLSLIB_SOURCE LIMIT_COUNT 1)
  else()
    set(TL_TLSLIB_SOURCE "${TL_TLSLIB_NAME} (commit unknown)")
  endif()
  # A -DFUZZ=1 build (ci/tlslib.sh ... fuzz): its deterministic RAND_bytes is
  # restarted by RAND_reset_for_fuzzing(), which the headers declare only
  # under the library's own build defines.
  if(EXISTS ${TL_TLSLIB_PREFIX}/TICKETLAB_FUZZ)
    set(TL_TLSLIB_FUZZ 1)
  endif()
  # Both are C++ inside: a static libssl.a needs the C++ runtime and threads.
  find_package(Threads REQUIRED)
  set_property(TARGET OpenSSL::Crypto APPEND PROPERTY INTERFACE_LINK_LIBRARIES stdc++ Threads::Threads)
endif()
# What does not build on BoringSSL and AWS-LC yet (see docs/libraries.md):
# unit tests that make sessions with OpenSSL-only setters, and the fuzz
# target that needs the decrypt callback (fuzz_decrypt_status: n/a there).
set(TL_TESTS_OPENSSL_ONLY "")
set(TL_FUZZ_OPENSSL_ONLY "")
if(NOT TL_TLSLIB STREQUAL openssl)
  # and those that assert OpenSSL's own ticket behaviour or byte-for-byte
  # determinism (a plain BoringSSL's RAND_bytes is the kernel's).
  set(TL_TESTS_OPENSSL_ONLY test_cache test_probe test_sessfile test_spack test_ticket_codec
                            test_validate test_detect test_expect test_world test_seeds
                            test_determinism test_scenario_memo test_sessder_memo
                            bench_limits)   # EVP_EC_gen
  set(TL_FUZZ_OPENSSL_ONLY fuzz_decrypt_status)
  message(STATUS "ticketlab: not built on ${TL_TLSLIB_NAME}: ${TL_TESTS_OPENSSL_ONLY} ${TL_FUZZ_OPENSSL_ONLY}")
  # fuzz_client_ticket builds there, but its test_ct_determinism (an input
  # gives the same result whatever ran before it in the process) cannot
  # hold: their RAND_bytes does not restart within a process, not even in a
  # FUZZ build (RAND_reset_for_fuzzing resets the seed source, not the
  # thread's DRBG), so a connection made again has other secrets.
  message(STATUS "ticketlab: ct_determinism not run on ${TL_TLSLIB_NAME}: its RAND_bytes "
                 "does not restart within a process (fuzz/ct_lib.h)")
endif()
message(STATUS "ticketlab: ${TL_TLSLIB_SOURCE} from ${OPENSSL_INCLUDE_DIR}")
