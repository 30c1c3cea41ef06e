/* SPDX-License-Identifier: Apache-2.0 */
/* The caller's own capabilities (caps.h). */
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "banned.h"

bool tn_cap_effective(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (cap < 0 || cap >= 64 || syscall(SYS_capget, &h, data) < 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}
