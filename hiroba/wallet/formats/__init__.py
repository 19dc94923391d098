"""Django-free wire formats of the wallet: QR payloads and signed codes; Zengin transfer files, bank days and banks."""
