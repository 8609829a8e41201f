# the Nextcloud emulator and the signaling acceptance suite (fragment filled by its component)
