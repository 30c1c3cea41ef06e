/* SPDX-License-Identifier: Apache-2.0 */
/* The probe's attacker and catcher (hunt.c), for tests/integration/exe-protect.bats. */
#pragma once

int hunt_main(char **args, int n);
int catch_main(char **args, int n);
