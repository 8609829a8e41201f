# libtalk-nats: the cluster bus (Bus, NatsBus over cnats with our libev adapter, LoopbackBus).
noinst_LIBRARIES += src/nats/libtalk-nats.a

src_nats_libtalk_nats_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEV_CFLAGS) $(NATS_CFLAGS)
src_nats_libtalk_nats_a_SOURCES = \
	src/nats/Bus.cpp src/nats/Bus.hpp \
	src/nats/BusConfig.hpp \
	src/nats/BusError.cpp src/nats/BusError.hpp \
	src/nats/BusFactory.cpp src/nats/BusFactory.hpp \
	src/nats/LibevAdapter.cpp src/nats/LibevAdapter.hpp \
	src/nats/LoopbackBus.cpp src/nats/LoopbackBus.hpp \
	src/nats/NatsBus.cpp src/nats/NatsBus.hpp \
	src/nats/RequestTracker.cpp src/nats/RequestTracker.hpp \
	src/nats/Subject.cpp src/nats/Subject.hpp \
	src/nats/Subscription.cpp src/nats/Subscription.hpp

# What a program linking libtalk-nats needs (after it, TALK_COMMON_LIBS).
TALK_NATS_LIBS = src/nats/libtalk-nats.a $(NATS_LIBS)

# The command-line client: pub, sub, request, reply, bench.
bin_PROGRAMS += src/nats/cli/talk-nats
src_nats_cli_talk_nats_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEV_CFLAGS) $(NATS_CFLAGS)
src_nats_cli_talk_nats_SOURCES = \
	src/nats/cli/Main.cpp \
	src/nats/cli/NatsCli.cpp src/nats/cli/NatsCli.hpp \
	src/nats/cli/Bench.cpp src/nats/cli/Bench.hpp src/nats/cli/BenchStats.hpp
src_nats_cli_talk_nats_LDADD = $(TALK_NATS_LIBS) $(TALK_COMMON_LIBS)

# Plain cnats reference program for scripts/bench-nats (not installed).
noinst_PROGRAMS += tests/bench/plain-cnats-bench
tests_bench_plain_cnats_bench_CPPFLAGS = $(AM_CPPFLAGS) $(NATS_CFLAGS)
tests_bench_plain_cnats_bench_SOURCES = tests/bench/plain-cnats-bench.cpp
tests_bench_plain_cnats_bench_LDADD = $(NATS_LIBS) -lpthread
