#!/usr/bin/env bash
# Installs what the browser tests and the README's PNG need (headless
# Chromium, chromedriver, CJK fonts). They are part of the test packages of
# .ci/deps.sh, which this delegates to.
exec bash "$(dirname "$0")/deps.sh"
