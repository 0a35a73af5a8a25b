"""Writes one of the product's SQL files with its $N parameters replaced by SQL literals, for
pgbench to run the statement the API runs: bind.py FILE N=LITERAL ... (unnamed ones are NULL)."""
import re
import sys

path = sys.argv[1]
values = dict(arg.split("=", 1) for arg in sys.argv[2:])
lines = [l for l in open(path).read().splitlines() if not l.strip().startswith("--")]
# pgbench reads a statement per line unless it ends in a backslash-free continuation: one line.
sql = " ".join(l.split("--")[0].strip() for l in lines if l.strip())
sql = re.sub(r"\$(\d+)", lambda m: values.get(m.group(1), "NULL"), sql)
print(sql.rstrip().rstrip(";") + ";")
