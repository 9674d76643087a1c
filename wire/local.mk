# The wire module: one source set, built into every binary that speaks it.
WIRE_SOURCES = wire/wire.c wire/wire.h wire/mux.c wire/mux.h wire/contract.c wire/contract.h
noinst_LIBRARIES += wire/libwire.a
wire_libwire_a_SOURCES = $(WIRE_SOURCES)
