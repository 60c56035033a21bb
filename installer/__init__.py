"""Packaging: the PyInstaller bundle, the Windows installer (NSIS) and their build script."""
