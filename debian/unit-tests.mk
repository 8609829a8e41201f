# Read by debian/rules together with the generated Makefile: prints the unit test runners
# (every TESTS entry under tests/unit/), so adding a runner needs no change here.
.PHONY: print-unit-tests
print-unit-tests:
	@echo $(filter tests/unit/%,$(TESTS))
