/*
 * testutil.h - what every unit test includes: cmocka and its prerequisites.
 * Each tests/unit/test_*.c is one cmocka binary; tests/run.sh runs each (plain and under
 * ASan+UBSan) with TAP output and adds up one "N passed, N failed" line.
 */
#ifndef TESTS_TESTUTIL_H
#define TESTS_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Absolute tolerance check for doubles with a readable failure. */
#define assert_near(a, b, tol)                                                         \
	do {                                                                           \
		double a_ = (a), b_ = (b), t_ = (tol);                                 \
		if (!(a_ - b_ <= t_ && b_ - a_ <= t_))                                 \
			fail_msg("%s = %.9g, expected %.9g +- %.3g", #a, a_, b_, t_);  \
	} while (0)

#endif
