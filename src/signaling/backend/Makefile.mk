# libtalk-signaling-backend: talking to Nextcloud (HTTP client, checksums, JWT, backend API parsing) (fragment filled by its component)
