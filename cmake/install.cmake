# install.cmake - what `cmake --install build [--prefix DIR]` puts where.
#
#   bin/ticketlab, bin/fuzz_replay_*          the command and the replay drivers
#   lib/libticketlab.a                        the library (static only: it defines
#                                             time() and gettimeofday(), the harness
#                                             clock, which a shared libticketlab
#                                             would impose on every process loading it)
#   include/ticketlab/*.h                     the public headers (listed below)
#   share/ticketlab/expectations.tl           the conformance table the command
#                                             finds by itself (cli/datadir.c)
#   share/ticketlab/reference/*.json          reference reports, one per release
#   share/ticketlab/dict/*.dict, corpus/      the fuzz dictionaries and seed corpus
#   share/ticketlab/plugins/*.c               the example plug-ins' sources
#   lib/cmake/ticketlab/                      find_package(ticketlab): ticketlab::ticketlab
#   lib/pkgconfig/ticketlab.pc                pkg-config ticketlab
#
# Nothing installed holds the configure-time prefix: the command finds
# share/ relative to itself, the CMake package and ticketlab.pc relative to
# their own location, so `--prefix` at install time and a moved prefix work.

include(CMakePackageConfigHelpers)

set(TL_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ticketlab)
set(TL_DATA_DIR ${CMAKE_INSTALL_DATADIR}/ticketlab)

# The public headers are exactly include/ticketlab/ (each layer keeps its
# internal ones in its own folder under src/): the world and its parts, the
# ticket codec and key files, the client cache and its formats, plug-ins.
# Each includes only listed ones.
set(TL_PUBLIC_HEADERS
  cache.h clock.h codec.h error.h events.h issuer.h keyfile.h keyring.h
  plugin.h policy.h rng.h sessfile.h spack.h ticket.h tlslib.h version.h world.h)
list(TRANSFORM TL_PUBLIC_HEADERS PREPEND ${CMAKE_SOURCE_DIR}/include/ticketlab/)

# The replay drivers (fuzz/CMakeLists.txt): one per fuzz target, always built.
set(TL_INSTALL_PROGRAMS ticketlab-cli)
file(STRINGS ${CMAKE_SOURCE_DIR}/fuzz/targets.txt TL_INSTALL_FUZZ_TARGETS REGEX "^[a-z_]+$")
foreach(name ${TL_INSTALL_FUZZ_TARGETS})
  if(TARGET fuzz_replay_${name})
    list(APPEND TL_INSTALL_PROGRAMS fuzz_replay_${name})
  endif()
endforeach()
# An OpenSSL from -DOPENSSL_ROOT_DIR stays the one loaded once installed.
set_target_properties(${TL_INSTALL_PROGRAMS} PROPERTIES INSTALL_RPATH_USE_LINK_PATH ON)

install(TARGETS ${TL_INSTALL_PROGRAMS} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ticketlab EXPORT ticketlabTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${TL_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ticketlab)

install(FILES ${CMAKE_SOURCE_DIR}/conformance/expectations.tl DESTINATION ${TL_DATA_DIR})
# The reference reports (one per release, from ci/matrix.sh) beside the table,
# where `ticketlab conformance` looks for them by default.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/conformance/reference/ DESTINATION ${TL_DATA_DIR}/reference
        FILES_MATCHING PATTERN "*.json")
file(GLOB TL_INSTALL_DICTS ${CMAKE_SOURCE_DIR}/fuzz/*.dict)
install(FILES ${TL_INSTALL_DICTS} DESTINATION ${TL_DATA_DIR}/dict)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/corpus/ DESTINATION ${TL_DATA_DIR}/corpus)
file(GLOB TL_INSTALL_PLUGINS ${CMAKE_SOURCE_DIR}/conformance/plugins/tl_example_*.c)
install(FILES ${TL_INSTALL_PLUGINS} DESTINATION ${TL_DATA_DIR}/plugins)

# find_package(ticketlab) -> ticketlab::ticketlab
install(EXPORT ticketlabTargets NAMESPACE ticketlab:: DESTINATION ${TL_PACKAGE_DIR})
# A consumer finds the OpenSSL ticketlab was built against unless it names one.
if(DEFINED OPENSSL_ROOT_DIR)
  set(TL_OPENSSL_ROOT_HINT ${OPENSSL_ROOT_DIR})
elseif(DEFINED ENV{OPENSSL_ROOT_DIR})
  set(TL_OPENSSL_ROOT_HINT $ENV{OPENSSL_ROOT_DIR})
else()
  set(TL_OPENSSL_ROOT_HINT "")
endif()
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/ticketlabConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/ticketlabConfig.cmake INSTALL_DESTINATION ${TL_PACKAGE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/ticketlabConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/ticketlabConfig.cmake
              ${CMAKE_BINARY_DIR}/cmake/ticketlabConfigVersion.cmake
        DESTINATION ${TL_PACKAGE_DIR})

# pkg-config ticketlab: prefix relative to the .pc file itself (${pcfiledir}).
file(RELATIVE_PATH TL_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/+$" "" TL_PC_TO_PREFIX "${TL_PC_TO_PREFIX}")
file(RELATIVE_PATH TL_PC_TO_INCLUDEDIR ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_FULL_INCLUDEDIR})
set(TL_PC_LIBS "")
foreach(lib ${CMAKE_DL_LIBS})
  string(APPEND TL_PC_LIBS " -l${lib}")
endforeach()
configure_file(${CMAKE_SOURCE_DIR}/cmake/ticketlab.pc.in ${CMAKE_BINARY_DIR}/ticketlab.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/ticketlab.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
