"""The grammar of symmat's input language, installed as package data (symmat.lark)."""
