# -*- coding: utf-8 -*-
# Copyright: lvs.cluster contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The attributes every module of the collection that changes the target shares.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description:
      - Reads the target, plans the change and reports exactly what a real run would do
        (RV(commands), RV(diff)), changing nothing.
    support: full
  diff_mode:
    description:
      - Returns RV(diff), the managed state before and after; without diff mode there is no RV(diff).
    support: full
  platform:
    description: Linux.
    platforms: posix
    support: full
"""

    # The attributes of the read-only modules.
    INFO = r"""
options: {}
attributes:
  check_mode:
    description: Reads only; runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing to diff.
    support: none
  platform:
    description: Linux.
    platforms: posix
    support: full
"""
