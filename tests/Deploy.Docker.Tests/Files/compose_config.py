#!/usr/bin/python3
"""Runs `docker-compose config` (Debian's docker-compose, in-process to pay its start-up once) in each project
directory given; prints one JSON object {dir: {"exit": n, "out": text, "err": text}}. A directory's
compose-files.txt, when present, lists the files to pass with -f; its .systemconfig, when present, is exported
into the environment first (as the deployment's scripts do)."""
import contextlib, io, json, os, sys

from compose.cli.main import main

results = {}
base_env = dict(os.environ)
for d in sys.argv[1:]:
    os.chdir(d)
    os.environ.clear()
    os.environ.update(base_env)
    if os.path.exists('.systemconfig'):
        for line in open('.systemconfig', encoding='utf-8-sig'):
            line = line.strip()
            if line.startswith('export '):
                line = line[7:].strip()
            if '=' in line and not line.startswith('#'):
                k, v = line.split('=', 1)
                os.environ[k.strip()] = v.strip().strip('"\'')
    args = ['docker-compose']
    if os.path.exists('compose-files.txt'):
        for f in open('compose-files.txt').read().split():
            args += ['-f', f]
    sys.argv = args + ['config']
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except Exception as e:  # noqa: BLE001 - reported to the test
            code, _ = 1, err.write(repr(e))
    results[d] = {"exit": code, "out": out.getvalue(), "err": err.getvalue()}
print(json.dumps(results))
