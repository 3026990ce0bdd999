"""Program files (TOML): the loyalty rules of one program.

A package so that the wheel carries `demo.toml` as package data: the embedded default and
the commented example operators copy (`tessera serve --program FILE`).
"""
