#!/usr/bin/env python3
"""tests/fuzz/faults.py - `make fuzz`: random clusters with random fault schedules, run under
an ASan+UBSan build of kafkasim at --trace-level debug (so the invariants are checked every
10 ms of simulated time). Any exit other than 0/1, any sanitizer report or any run over
two minutes is kept as tests/fuzz/found-*.yaml. A quarter of the clusters have no faults:
those run with their producers on a kernel of their own (KAFKASIM_PAIR=1), once on one
thread and once on two, and outputs that differ by a byte are kept too. And where Kafka
promises that no acknowledged write is lost (safe(): acks=all, min ISR 2, clean elections,
no power loss), a run that breaks one of its promises there (promises_kept) is kept. Not
part of `make test`: it runs for as long as it is given.

usage: faults.py KAFKASIM SECONDS [SEED]
"""
import json
import os
import random
import re
import subprocess
import sys
import time

BASE = """name: fuzz
seed: %d
duration: 60s
cluster:
  brokers: %d
  controllers: %d
  config: { replica.lag.time.max.ms: %d, unclean.leader.election.enable: %s,
            replication.truncation: %s, eligible.leader.replicas.enable: %s,
            replica.fetch.min.bytes: %d, log.flush.scheduler.interval.ms: %d,
            leader.imbalance.check.interval.seconds: %d }
topics:
  - { name: t, partitions: %d, replication.factor: %d,
      config: { min.insync.replicas: %d, flush.ms: %d, flush.messages: %d } }
producers:
  - { name: p, topic: t, rate: %d/s, keys: { count: 50 }, arrival: %s,
      config: { acks: %s, enable.idempotence: %s, request.timeout.ms: %d,
                metadata.max.age.ms: %d } }
  - { name: q, topic: t, rate: 300/s, arrival: %s,
      config: { acks: 1, enable.idempotence: false } }
consumer_groups:
  - { name: g, topic: t, members: 3,
      config: { auto.offset.reset: earliest, partition.assignment.strategy: [%s],
                fetch.min.bytes: %d, fetch.max.wait.ms: %d } }
faults:
"""


def scenario(rnd):
    nb = rnd.randint(2, 5)
    rf = rnd.randint(1, nb)
    nc = rnd.randint(1, 3)
    acks = rnd.choice(['0', '1', 'all'])
    idem = 'true' if acks == 'all' and rnd.random() < 0.5 else 'false'
    y = BASE % (rnd.randint(1, 1000), nb, nc, rnd.choice([5000, 10000, 30000]),
                rnd.choice(['true', 'false']), rnd.choice(['leader-epoch', 'high-watermark']),
                rnd.choice(['true', 'false']), rnd.choice([1, 1, 2000, 100000]),
                rnd.choice([500, 3000, -1, -1]), rnd.choice([5, 20, 300]),
                rnd.randint(1, 8), rf, rnd.randint(1, rf), rnd.choice([0, 1000, -1, -1]),
                rnd.choice([1, 500, 9223372036854775807]), rnd.choice([200, 300, 1000, 3000]),
                rnd.choice(['poisson', 'constant']), acks,
                idem, rnd.choice([2000, 5000, 30000]), rnd.choice([3000, 300000]),
                rnd.choice(['poisson', 'constant']),
                rnd.choice(['range', 'roundrobin', 'sticky', 'cooperative-sticky',
                            'cooperative-sticky, range']),
                rnd.choice([1, 1, 5000]), rnd.choice([100, 500, 500, 1000]))
    nodes = ['broker-%d' % i for i in range(1, nb + 1)]
    nodes += ['controller-%d' % i for i in range(1, nc + 1)]
    members = ['g-1', 'g-2', 'g-3']
    if rnd.random() < 0.25:
        return y.replace('faults:\n', 'faults: []\n')
    for _ in range(rnd.randint(1, 6)):
        at = rnd.randint(1, 55)
        span = rnd.randint(1, 30)
        kind = rnd.choice(['crash', 'crash', 'partition', 'drop', 'delay', 'slow',
                           'member-crash', 'pause', 'leave', 'restart', 'shutdown'])
        if kind == 'crash':
            y += "  - { at: %ds, crash: %s, for: %ds, lose_unflushed: %s }\n" % (
                at, rnd.choice(nodes), span, rnd.choice(['true', 'false']))
        elif kind == 'restart':
            y += "  - { at: %ds, restart: %s }\n" % (at, rnd.choice(nodes))
        elif kind == 'shutdown':
            y += "  - { at: %ds, shutdown: broker-%d, for: %ds }\n" % (
                at, rnd.randint(1, nb), span)
        elif kind == 'partition':
            a = rnd.sample(nodes, rnd.randint(1, len(nodes) - 1))
            b = [n for n in nodes if n not in a]
            y += "  - { at: %ds, partition: { a: [%s], b: [%s] }, one_way: %s, for: %ds }\n" % (
                at, ', '.join(a), ', '.join(b), rnd.choice(['true', 'false']), span)
        elif kind == 'drop':
            y += "  - { at: %ds, drop: { from: [%s] }, fraction: %.2f, for: %ds }\n" % (
                at, rnd.choice(nodes + ['p']), rnd.random() * 0.9 + 0.05, span)
        elif kind == 'delay':
            y += "  - { at: %ds, delay: { from: [%s] }, latency: %dms, for: %ds }\n" % (
                at, rnd.choice(nodes + ['p']), rnd.randint(1, 500), span)
        elif kind == 'slow':
            y += "  - { at: %ds, slow: broker-%d, disk_stall: true, for: %ds }\n" % (
                at, rnd.randint(1, nb), span)
        elif kind == 'member-crash':
            y += "  - { at: %ds, crash: %s, for: %ds }\n" % (at, rnd.choice(members), span)
        elif kind == 'pause':
            y += "  - { at: %ds, pause: %s, for: %ds }\n" % (at, rnd.choice(members), span)
        else:
            y += "  - { at: %ds, leave: %s }\n" % (at, rnd.choice(members))
    return y


def safe(y):
    """A schedule under which Kafka loses no acknowledged write of producer p: acks=all, a
    min ISR of two or more, clean elections only (no unclean election, no ELR's last-leader
    election), the leader-epoch truncation rule, and no power loss."""
    m = re.search(r'min\.insync\.replicas: (\d+)', y)
    return (m is not None and int(m.group(1)) >= 2 and 'acks: all' in y
            and 'unclean.leader.election.enable: false' in y
            and 'eligible.leader.replicas.enable: false' in y
            and 'replication.truncation: leader-epoch' in y
            and 'lose_unflushed: true' not in y)


def promises_kept(y, summ):
    """What Kafka promises under safe() settings, against a run's summary: (True, '') or
    (False, why). No acknowledged write of p is lost; an idempotent p writes no record twice
    and none out of its order (the broker's sequence checks); and group g, committing only
    what its polls returned and it processed, never commits past a record it did not process
    (the high watermark it reads below never moves back under clean elections)."""
    p = summ['producers']['p']
    if p['acked_lost']:
        return False, 'safe settings: %d acknowledged records of p lost' % p['acked_lost']
    if re.search(r'enable\.idempotence: true', y) and (p['log_duplicates'] or
                                                       p['order_violations']):
        return False, 'safe settings, idempotent p: %d duplicates, %d out of order' % (
            p['log_duplicates'], p['order_violations'])
    if summ['groups']['g']['skipped']:
        return False, 'safe settings: group g committed past %d records it never ' \
            'processed' % summ['groups']['g']['skipped']
    return True, ''


def make_safe(y, rnd):
    """The same cluster and faults under safe() settings (a replication factor of 2 or more),
    p idempotent half the time."""
    rf = int(re.search(r'replication\.factor: (\d+)', y).group(1))
    if rf < 2:
        return y
    y = y.replace('unclean.leader.election.enable: true', 'unclean.leader.election.enable: false')
    y = y.replace('eligible.leader.replicas.enable: true', 'eligible.leader.replicas.enable: false')
    y = y.replace('replication.truncation: high-watermark', 'replication.truncation: leader-epoch')
    y = y.replace('lose_unflushed: true', 'lose_unflushed: false')
    y = re.sub(r'config: \{ acks: (0|1|all),', 'config: { acks: all,', y, count=1)
    if rnd.random() < 0.5:
        y = y.replace('acks: all, enable.idempotence: false',
                      'acks: all, enable.idempotence: true')
    return re.sub(r'min\.insync\.replicas: (\d+)',
                  lambda m: 'min.insync.replicas: %d' % max(2, int(m.group(1))), y, count=1)


def main():
    kafkasim, seconds = sys.argv[1], float(sys.argv[2])
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    here = os.path.dirname(os.path.abspath(__file__))
    work = os.path.join(here, 'work.yaml')
    runs = found = 0
    start = time.time()
    while time.time() - start < seconds:
        y = scenario(rnd)
        if rnd.random() < 0.3: # where nothing acknowledged may be lost
            y = make_safe(y, rnd)
        with open(work, 'w') as f:
            f.write(y)
        if subprocess.run([kafkasim, 'validate', work], capture_output=True).returncode:
            continue
        runs += 1
        paired = 'faults: []' in open(work).read()
        outs = ['out', 'out2'] if paired else ['out']
        ok, why = True, ''
        for k, out in enumerate(outs):
            cmd = [kafkasim, 'run', work, '--no-plots', '--quiet', '--trace-level', 'debug',
                   '--out', os.path.join(here, out), '--threads', str(k + 1)]
            env = dict(os.environ, KAFKASIM_PAIR='1')
            try:
                r = subprocess.run(cmd, capture_output=True, timeout=120, env=env)
                ok = r.returncode in (0, 1) and b'Sanitizer' not in r.stderr \
                    and b'runtime error' not in r.stderr
                why = r.stderr[-400:].decode(errors='replace')
            except subprocess.TimeoutExpired:
                ok, why = False, 'over two minutes'
            if not ok:
                break
        if ok and safe(open(work).read()):
            ok, why = promises_kept(open(work).read(),
                                    json.load(open(os.path.join(here, 'out', 'summary.json'))))
        if ok and paired:
            for name in ('trace.jsonl', 'metrics.csv', 'summary.json'):
                a = open(os.path.join(here, 'out', name), 'rb').read()
                b = open(os.path.join(here, 'out2', name), 'rb').read()
                if a != b:
                    ok, why = False, 'paired: one thread and two differ in ' + name
        if not ok:
            found += 1
            keep = os.path.join(here, 'found-%d.yaml' % found)
            os.rename(work, keep)
            print('%s: %s' % (keep, why))
    print('%d runs, %d found' % (runs, found))
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
