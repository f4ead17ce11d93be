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

Three runs in four draw the wide shape (wide_scenario): two topics, up to four producers
(idempotent ones with 1..5 in flight, few retries, short delivery timeouts), up to three
groups (eager or cooperative, static, every commit mode, asynchronous processing), three
controllers, joins, leaves, offset resets, added partitions, controller crashes, one-way
splits, slow brokers, rolling controlled shutdowns, small retention. Its promises are checked
per producer and group under their own settings (wide_promises_kept), and once every fault is
over by 30 s, liveness and convergence (liveness_kept). One faulted run in ten is run twice
and must give the same bytes. FUZZ_DIR puts work.yaml, the outputs and the finds elsewhere
(for several fuzzers at once).

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
    why = (producer_broke('p', summ, re.search(r'enable\.idempotence: true', y) is not None)
           or group_broke('g', summ))
    return not why, why


def producer_broke(name, summ, idem):
    """Why producer name broke a promise of safe settings, or '': an acknowledged write
    lost, or, idempotent, a record written twice or out of its order."""
    p = summ['producers'][name]
    if p['acked_lost']:
        return 'safe settings: %d acknowledged records of %s lost' % (p['acked_lost'], name)
    if idem and (p['log_duplicates'] or p['order_violations']):
        return 'safe settings, idempotent %s: %d duplicates, %d out of order' % (
            name, p['log_duplicates'], p['order_violations'])
    return ''


def group_broke(name, summ):
    """Why group name, committing only what it processed, broke its promise, or ''."""
    skipped = summ['groups'][name]['skipped']
    if skipped:
        return 'safe settings: group %s committed past %d records it never processed' % (
            name, skipped)
    return ''


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


# ---- the wide shape ----------------------------------------------------------------------
# Two topics, up to four producers (some idempotent with 1..5 in flight, few retries, short
# delivery timeouts), up to three groups (eager or cooperative, static, every commit mode,
# asynchronous processing), three controllers, and faults the base shape never draws: joins,
# leaves, offset resets, added partitions, controller crashes and one-way splits isolating a
# controller, slow brokers by latency, rolling controlled shutdowns, small retention while
# consumers lag. The generator keeps what it drew (meta) so the promises checked are the ones
# Kafka makes for each producer and group under its own settings.

HEAL_S = 30 # liveness: every fault over by then (see liveness_kept)


def _flow(d):
    """A Python dict/list/scalar as a YAML flow node (our keys need no quoting)."""
    if isinstance(d, dict):
        return '{ ' + ', '.join('%s: %s' % (k, _flow(v)) for k, v in d.items()) + ' }'
    if isinstance(d, list):
        return '[' + ', '.join(_flow(v) for v in d) + ']'
    if isinstance(d, bool):
        return 'true' if d else 'false'
    return str(d)


def wide_scenario(rnd, safe_bias):
    """(yaml, meta). safe_bias: draw the cluster-wide settings safe() needs."""
    nb = rnd.randint(2, 5)
    nc = rnd.choice([1, 1, 3, 3, 3])
    meta = {'topics': {}, 'producers': {}, 'groups': {}, 'power_loss': False,
            'reset': set(), 'healed': True, 'nb': nb, 'nc': nc, 'gone': set()}
    unclean = False if safe_bias else rnd.random() < 0.4
    elr = False if safe_bias else rnd.random() < 0.4
    trunc = 'leader-epoch' if safe_bias or rnd.random() < 0.7 else 'high-watermark'
    meta['elr'], meta['trunc'] = elr, trunc
    ccfg = {'replica.lag.time.max.ms': rnd.choice([3000, 5000, 10000, 30000]),
            'unclean.leader.election.enable': unclean,
            'eligible.leader.replicas.enable': elr,
            'replication.truncation': trunc,
            'min.insync.replicas': rnd.choice([1, 1, 2]),
            'replica.fetch.min.bytes': rnd.choice([1, 1, 5000]),
            'replica.fetch.wait.max.ms': rnd.choice([100, 500, 500]),
            'num.replica.fetchers': rnd.choice([1, 1, 2]),
            'broker.session.timeout.ms': rnd.choice([6000, 9000, 9000, 18000]),
            'auto.leader.rebalance.enable': rnd.random() < 0.7,
            'leader.imbalance.check.interval.seconds': rnd.choice([5, 20, 300]),
            'log.retention.check.interval.ms': rnd.choice([500, 1000, 5000]),
            'group.initial.rebalance.delay.ms': rnd.choice([0, 500, 3000]),
            'controller.failover.ms': rnd.choice([200, 1000, 3000]),
            'metadata.propagation.ms': rnd.choice([1, 10, 100])}
    if rnd.random() < 0.3:
        ccfg['log.flush.scheduler.interval.ms'] = rnd.choice([500, 3000])
        ccfg['log.flush.interval.ms'] = rnd.choice([0, 1000])
    topics = []
    for name in ['t', 'u'][:rnd.choice([1, 2, 2])]:
        rf = rnd.randint(1, min(nb, 4))
        if safe_bias and nb >= 2:
            rf = max(rf, 2)
        tc = {}
        r = rnd.random()
        if r < 0.35:
            tc['min.insync.replicas'] = rf # min ISR == RF
        elif r < 0.8:
            tc['min.insync.replicas'] = rnd.randint(1, rf)
        if safe_bias and rf >= 2 and tc.get('min.insync.replicas', ccfg['min.insync.replicas']) < 2:
            tc['min.insync.replicas'] = rnd.randint(2, rf)
        if not safe_bias and rnd.random() < 0.2:
            tc['unclean.leader.election.enable'] = rnd.random() < 0.5
        small_ret = rnd.random() < 0.3
        if small_ret:
            if rnd.random() < 0.5:
                tc['retention.ms'] = rnd.choice([3000, 8000, 20000])
            else:
                tc['retention.bytes'] = rnd.choice([20000, 100000, 500000])
        if rnd.random() < 0.2:
            tc['flush.messages'] = rnd.choice([1, 100])
        parts = rnd.randint(1, 6)
        t = {'name': name, 'partitions': parts, 'replication.factor': rf}
        if tc:
            t['config'] = tc
        topics.append(t)
        meta['topics'][name] = {
            'rf': rf, 'parts': parts,
            'min_isr': tc.get('min.insync.replicas', ccfg['min.insync.replicas']),
            'unclean': tc.get('unclean.leader.election.enable', unclean),
            'retention': small_ret}
    tnames = [t['name'] for t in topics]
    producers = []
    for name in ['p', 'q', 'r', 's'][:rnd.randint(1, 4)]:
        acks = rnd.choice(['all', 'all', '1', '0']) if not safe_bias else \
            rnd.choice(['all', 'all', 'all', '1'])
        pc = {'acks': acks}
        idem = False
        if acks == 'all' and rnd.random() < 0.6:
            idem = True
            pc['enable.idempotence'] = True
            pc['max.in.flight.requests.per.connection'] = rnd.randint(1, 5)
        else:
            pc['enable.idempotence'] = False
            pc['max.in.flight.requests.per.connection'] = rnd.choice([1, 2, 5, 10])
        if rnd.random() < 0.3:
            pc['retries'] = rnd.choice([1, 3]) if idem else rnd.choice([0, 1, 3])
        lin = rnd.choice([0, 5, 5, 50])
        rto = rnd.choice([1000, 3000, 30000])
        pc['linger.ms'] = lin
        pc['request.timeout.ms'] = rto
        if rnd.random() < 0.4:
            pc['delivery.timeout.ms'] = lin + rto + rnd.choice([0, 500, 5000])
        if rnd.random() < 0.3:
            pc['retry.backoff.ms'] = rnd.choice([10, 100, 500])
        if rnd.random() < 0.3:
            pc['batch.size'] = rnd.choice([1024, 16384, 65536])
        if rnd.random() < 0.2:
            pc['partitioner.class'] = rnd.choice(['RoundRobinPartitioner', 'UniformSticky'])
        if rnd.random() < 0.3:
            pc['metadata.max.age.ms'] = rnd.choice([1000, 5000])
        topic = rnd.choice(tnames)
        p = {'name': name, 'topic': topic, 'rate': '%d/s' % rnd.choice([50, 300, 1000, 3000]),
             'arrival': rnd.choice(['poisson', 'constant'])}
        kr = rnd.random()
        if kr < 0.5:
            p['keys'] = {'count': rnd.choice([3, 50, 1000])}
        elif kr < 0.6:
            p['partition'] = rnd.randrange(meta['topics'][topic]['parts'])
        if rnd.random() < 0.2:
            p['start'] = '%ds' % rnd.randint(1, 10)
        if rnd.random() < 0.2:
            p['stop'] = '%ds' % rnd.randint(30, 55)
        p['config'] = pc
        producers.append(p)
        meta['producers'][name] = {'topic': topic, 'acks': acks, 'idem': idem,
                                   'rate': int(p['rate'][:-2])}
    groups = []
    members = []
    for gname in ['g', 'h', 'k'][:rnd.choice([0, 1, 1, 2, 3])]:
        n = rnd.choice([0, 1, 2, 3, 4])
        topic = rnd.choice(tnames)
        commit = rnd.choice(['auto', 'auto', 'sync', 'async', 'before-process'])
        gc = {'auto.offset.reset': rnd.choice(['earliest', 'earliest', 'latest', 'none']),
              'partition.assignment.strategy': rnd.choice(
                  [['range'], ['roundrobin'], ['sticky'], ['cooperative-sticky'],
                   ['range', 'cooperative-sticky'], ['cooperative-sticky', 'range']]),
              'max.poll.records': rnd.choice([10, 100, 500])}
        if commit == 'auto':
            gc['auto.commit.interval.ms'] = rnd.choice([100, 1000, 5000])
        st = rnd.choice([6000, 10000, 45000])
        gc['session.timeout.ms'] = st
        gc['heartbeat.interval.ms'] = rnd.choice([st // 10, st // 3])
        if rnd.random() < 0.3:
            gc['max.poll.interval.ms'] = rnd.choice([5000, 20000])
        if rnd.random() < 0.3:
            gc['request.timeout.ms'] = rnd.choice([2000, 10000])
        if rnd.random() < 0.3:
            gc['fetch.min.bytes'] = rnd.choice([1, 5000])
            gc['fetch.max.wait.ms'] = rnd.choice([100, 500])
        if rnd.random() < 0.2:
            gc['metadata.max.age.ms'] = rnd.choice([1000, 5000])
        g = {'name': gname, 'topic': topic, 'members': n}
        if rnd.random() < 0.3:
            g['static'] = True
        proc = {}
        if rnd.random() < 0.6:
            proc['per_record'] = rnd.choice(['100us', '1ms', '5ms'])
        if rnd.random() < 0.3:
            proc['per_poll'] = rnd.choice(['1ms', '50ms'])
        asyncp = rnd.random() < 0.2
        if asyncp:
            proc['async'] = True
        if proc:
            g['processing'] = proc
        g['commit'] = commit
        if rnd.random() < 0.2:
            g['idempotence'] = rnd.choice(['dedupe_in_batch', 'processed_table'])
        g['config'] = gc
        groups.append(g)
        members += ['%s-%d' % (gname, i) for i in range(1, n + 1)]
        meta['groups'][gname] = {'topic': topic, 'commit': commit, 'async': asyncp,
                                 'reset': gc['auto.offset.reset'], 'n': n,
                                 'idle': not proc or proc == {'per_record': '100us'}}
    brokers = ['broker-%d' % i for i in range(1, nb + 1)]
    ctls = ['controller-%d' % i for i in range(1, nc + 1)]
    nodes = brokers + ctls
    clients = [p['name'] for p in producers] + members
    faults = []
    nf = 0 if rnd.random() < 0.2 else rnd.randint(1, 8)
    joined = {g['name']: g['members'] for g in groups}

    def heal(at, span):
        if span is None or at + span > HEAL_S:
            meta['healed'] = False

    for _ in range(nf):
        at = rnd.randint(1, 50)
        span = rnd.choice([None, rnd.randint(1, 25)]) if rnd.random() < 0.3 else rnd.randint(1, 25)
        kinds = ['crash', 'crash', 'ctl-crash', 'shutdown', 'rolling', 'partition',
                 'isolate-ctl', 'drop', 'delay', 'slow', 'slow-disk', 'restart']
        if groups:
            kinds += ['member-crash', 'pause', 'leave', 'join', 'reset', 'slow-member']
        kinds += ['add-partitions']
        kind = rnd.choice(kinds)
        f = {'at': '%ds' % at}
        if kind == 'crash':
            f['crash'] = rnd.choice(brokers)
            if span:
                f['for'] = '%ds' % span
            if not safe_bias and rnd.random() < 0.3:
                f['lose_unflushed'] = True
                meta['power_loss'] = True
            heal(at, span)
        elif kind == 'ctl-crash':
            f['crash'] = rnd.choice(ctls)
            if span:
                f['for'] = '%ds' % span
            heal(at, span)
        elif kind == 'shutdown':
            f['shutdown'] = rnd.choice(brokers)
            if span:
                f['for'] = '%ds' % span
            heal(at, span)
        elif kind == 'rolling': # controlled shutdowns in a row, each broker back before the next
            gap = rnd.randint(2, 12)
            order = rnd.sample(brokers, rnd.randint(2, nb))
            for i, b in enumerate(order):
                a2 = at + i * gap
                if a2 >= 59:
                    break
                s2 = rnd.randint(1, gap + 3)
                faults.append({'at': '%ds' % a2, 'shutdown': b, 'for': '%ds' % s2})
                heal(a2, s2)
            continue
        elif kind == 'restart':
            f['restart'] = rnd.choice(nodes + members) if members else rnd.choice(nodes)
            if at > HEAL_S:
                meta['healed'] = False
        elif kind == 'partition':
            pool = nodes + rnd.sample(clients, min(len(clients), rnd.randint(0, 2)))
            a = rnd.sample(pool, rnd.randint(1, len(pool) - 1))
            b = [x for x in pool if x not in a]
            part = {'a': a}
            if rnd.random() < 0.7:
                part['b'] = b
            f['partition'] = part
            f['one_way'] = rnd.random() < 0.4
            if span:
                f['for'] = '%ds' % span
            heal(at, span)
        elif kind == 'isolate-ctl': # the active controller (or a broker) cut off, maybe one way
            who = rnd.choice(ctls[:1] + brokers)
            f['partition'] = {'a': [who]}
            f['one_way'] = rnd.random() < 0.6
            if span:
                f['for'] = '%ds' % span
            heal(at, span)
        elif kind in ('drop', 'delay'):
            src = rnd.sample(nodes + clients, rnd.randint(1, 2))
            d = {'from': src}
            if rnd.random() < 0.5:
                d['to'] = rnd.sample(nodes, rnd.randint(1, len(nodes)))
            f[kind] = d
            if kind == 'drop':
                f['fraction'] = '%.2f' % (rnd.random() * 0.9 + 0.05)
            else:
                f['latency'] = '%dms' % rnd.choice([5, 50, 300, 2000])
            if rnd.random() < 0.3:
                f['one_way'] = False
            if span:
                f['for'] = '%ds' % span
            heal(at, span)
        elif kind == 'slow':
            f['slow'] = rnd.choice(brokers)
            f['latency'] = '%dms' % rnd.choice([20, 200, 1500])
            if span:
                f['for'] = '%ds' % span
            heal(at, span)
        elif kind == 'slow-disk':
            f['slow'] = rnd.choice(brokers)
            f['disk_stall'] = True
            if not span and rnd.random() < 0.95: # else a stall for good (1 in 20)
                span = rnd.randint(1, 25)
            if span:
                f['for'] = '%ds' % span
            heal(at, span)
        elif kind == 'member-crash':
            if not members:
                continue
            f['crash'] = rnd.choice(members)
            if span:
                f['for'] = '%ds' % span
                heal(at, span)
            else:
                meta['gone'].add(f['crash'].rsplit('-', 1)[0])
        elif kind == 'pause':
            if not members:
                continue
            f['pause'] = rnd.choice(members)
            f['for'] = '%ds' % (span or 5)
            heal(at, span or 5)
        elif kind == 'slow-member':
            if not members:
                continue
            f['slow'] = rnd.choice(members)
            f['factor'] = rnd.choice([3, 20])
            f['for'] = '%ds' % (span or 5)
        elif kind == 'leave':
            if not members:
                continue
            f['leave'] = rnd.choice(members)
            meta['gone'].add(f['leave'].rsplit('-', 1)[0])
        elif kind == 'join':
            g = rnd.choice(groups)['name']
            f['join'] = g
            meta['groups'][g]['n'] += 1
        elif kind == 'reset':
            g = rnd.choice(groups)['name']
            f['reset_offsets'] = g
            to = rnd.choice(['earliest', 'latest', 'offset', 'shift-by', 'datetime'])
            f['to'] = to
            if to == 'offset':
                f['value'] = rnd.choice([0, 100, 5000])
            elif to == 'shift-by':
                f['value'] = rnd.choice([-500, -10, 10, 500])
            elif to == 'datetime':
                f['datetime'] = '%ds' % rnd.randint(0, at)
            meta['reset'].add(g)
        elif kind == 'add-partitions':
            t = rnd.choice(tnames)
            f['add_partitions'] = t
            f['partitions'] = rnd.randint(1, 4) # the growth: counted up in time order below
            meta['topics'][t]['added'] = True
        faults.append(f)
    # a fault's time must come before the run's end and a member be named after its join:
    faults.sort(key=lambda f: int(f['at'][:-1]))
    for f in faults:
        if 'add_partitions' in f:
            tm = meta['topics'][f['add_partitions']]
            tm['parts'] += f['partitions']
            f['partitions'] = tm['parts']
    y = 'name: fuzz\nseed: %d\nduration: 60s\n' % rnd.randint(1, 100000)
    y += 'cluster:\n  brokers: %d\n  controllers: %d\n  config: %s\n' % (nb, nc, _flow(ccfg))
    y += 'topics:\n' + ''.join('  - %s\n' % _flow(t) for t in topics)
    y += 'producers:\n' + ''.join('  - %s\n' % _flow(p) for p in producers)
    if groups:
        y += 'consumer_groups:\n' + ''.join('  - %s\n' % _flow(g) for g in groups)
    if faults:
        y += 'faults:\n' + ''.join('  - %s\n' % _flow(f) for f in faults)
    else:
        y += 'faults: []\n'
    return y, meta


def topic_safe(meta, t):
    """Clean elections only, KIP-101 truncation, no power loss: what safe() asks, per topic."""
    tm = meta['topics'][t]
    return (not tm['unclean'] and not meta['elr'] and meta['trunc'] == 'leader-epoch'
            and not meta['power_loss'])


CHECKED = {'producer': 0, 'idempotent': 0, 'group': 0, 'liveness': 0, 'convergence': 0,
           'group_liveness': 0}


def wide_promises_kept(meta, summ):
    """The promises Kafka makes each producer and group of a wide scenario, under its own
    settings: (True, '') or (False, why).
    - acks=all on a topic with min.insync.replicas >= 2 and RF >= 2, clean elections, KIP-101
      truncation, no power loss: no acknowledged record lost (Partition.appendRecordsToLeader
      refuses below min ISR; the HW only covers records every ISR member holds, and
      ElectionManager elects only from the ISR). Retention deletes legitimately; the checker
      counts deleted records as present.
    - an idempotent producer there: no duplicates and no order violations (ProducerStateManager
      / ProducerAppendInfo sequence checks, max.in.flight <= 5; KIP-98, KIP-360 bumps the
      epoch only once no batch is in flight). Brokers keep producer state when retention
      moves the log start (KAFKA-7190, Kafka 2.4+).
    - a group on a topic with clean elections, KIP-101 truncation and no power loss, that
      commits only what it processed (sync, async or auto with processing on the poll
      thread: ConsumerCoordinator.maybeAutoCommitOffsetsAsync commits what earlier polls
      returned), with auto.offset.reset earliest or none, no reset_offsets fault (a reset
      skips on purpose), no small retention on its topic (deleted records are skipped on
      purpose): never commits past a record it did not process."""
    for name, pm in meta['producers'].items():
        t = pm['topic']
        tm = meta['topics'][t]
        if not topic_safe(meta, t) or tm['rf'] < 2 or tm['min_isr'] < 2 or pm['acks'] != 'all':
            continue
        CHECKED['producer'] += 1
        CHECKED['idempotent'] += pm['idem']
        why = producer_broke(name, summ, pm['idem'])
        if why:
            return False, why
    for name, gm in meta['groups'].items():
        t = gm['topic']
        if (not topic_safe(meta, t) or meta['topics'][t]['retention'] or name in meta['reset']
                or gm['commit'] == 'before-process' or gm['async']
                or gm['reset'] == 'latest'):
            continue
        CHECKED['group'] += 1
        why = group_broke(name, summ)
        if why:
            return False, why
    return True, ''


def liveness_kept(meta, summ):
    """Every fault over by HEAL_S (each crash, shutdown, split, drop, delay and slow with a
    `for`), 30 s before the end: every partition has a leader again (KRaft elects one once
    an ISR member is back and unfenced; with all brokers back none stays offline) and every
    replica is back in its ISR (a caught-up follower is added back: Partition.maybeExpandIsr)."""
    if not meta['healed']:
        return True, ''
    CHECKED['liveness'] += 1
    if summ['availability']['offline_partitions_at_end']:
        return False, 'liveness: %d partitions offline at the end, every fault over by %ds' % (
            summ['availability']['offline_partitions_at_end'], HEAL_S)
    for pn, pd in summ['partitions'].items():
        t = pn.rsplit('-', 1)[0]
        if t in meta['topics'] and pd['isr_size'] < meta['topics'][t]['rf']:
            return False, 'liveness: %s has ISR %s of %d replicas at the end, every fault ' \
                'over by %ds' % (pn, pd['isr'], meta['topics'][t]['rf'], HEAL_S)
    # With every replica back in its ISR under the leader-epoch rule, the replicas' logs
    # agree wherever both hold records: a follower truncates to where its epochs diverge from
    # the leader's before it fetches (KIP-101; KIP-279 for leader changes in a row), so no
    # offset holds different records, even after unclean elections or power loss.
    # A group that processes at once, with a member left, no offset reset and a policy that
    # can start, keeps up again once the faults are over: its lag at the end is at most
    # what 15 s of its topic's records make (the coordinator answers again, members rejoin
    # within a session timeout, fetch from the new leaders: ConsumerCoordinator, Fetcher).
    for gname, gm in meta['groups'].items():
        if (gm['n'] < 1 or not gm['idle'] or gname in meta['gone'] or gname in meta['reset']
                or gm['reset'] == 'none' or meta['topics'][gm['topic']].get('added')):
            continue # (new partitions wait for a metadata refresh: 5 minutes by default)
        rate = sum(pm['rate'] for pm in meta['producers'].values()
                   if pm['topic'] == gm['topic'])
        CHECKED['group_liveness'] += 1
        lag = summ['groups'][gname]['lag']
        if lag > 15 * rate + 1000:
            return False, 'group liveness: %s lags %d records at the end (%d/s into its ' \
                'topic), every fault over by %ds' % (gname, lag, rate, HEAL_S)
    CHECKED['convergence'] += meta['trunc'] == 'leader-epoch'
    if meta['trunc'] == 'leader-epoch' and summ['checker']['divergent_offsets']:
        return False, 'convergence: %d offsets differ between replicas, every replica ' \
            'in its ISR, leader-epoch truncation' % summ['checker']['divergent_offsets']
    return True, ''


def run_one(kafkasim, work, here, outs):
    """Run work.yaml once per entry of outs (thread counts 1, 2, ...): (ok, why)."""
    ok, why = True, ''
    for k, out in enumerate(outs):
        cmd = [kafkasim, 'run', work, '--no-plots', '--quiet', '--trace-level', 'debug',
               '--out', os.path.join(here, out), '--threads', str(min(k + 1, 2))]
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
    return ok, why


def same_outputs(here, a, b):
    for name in ('trace.jsonl', 'metrics.csv', 'summary.json'):
        if open(os.path.join(here, a, name), 'rb').read() != \
                open(os.path.join(here, b, name), 'rb').read():
            return name
    return None


def main():
    kafkasim, seconds = sys.argv[1], float(sys.argv[2])
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rnd = random.Random(seed)
    # FUZZ_DIR: where work.yaml, the outputs and found-*.yaml go (several fuzzers at once)
    here = os.environ.get('FUZZ_DIR') or os.path.dirname(os.path.abspath(__file__))
    os.makedirs(here, exist_ok=True)
    work = os.path.join(here, 'work.yaml')
    runs = found = 0
    start = time.time()
    while time.time() - start < seconds:
        meta = None
        if rnd.random() < 0.25: # the base shape
            y = scenario(rnd)
            if rnd.random() < 0.3: # where nothing acknowledged may be lost
                y = make_safe(y, rnd)
        else:
            y, meta = wide_scenario(rnd, rnd.random() < 0.45)
        with open(work, 'w') as f:
            f.write(y)
        v = subprocess.run([kafkasim, 'validate', work], capture_output=True)
        if v.returncode:
            if meta is not None: # the wide shape means to draw valid scenarios only
                print('invalid wide scenario (generator bug?): %s' %
                      v.stderr.decode(errors='replace')[:300])
            continue
        runs += 1
        paired = 'faults: []' in y
        rerun = not paired and rnd.random() < 0.1 # same seed, same bytes, with faults too
        outs = ['out', 'out2'] if paired or rerun else ['out']
        ok, why = run_one(kafkasim, work, here, outs)
        summ = json.load(open(os.path.join(here, 'out', 'summary.json'))) if ok else None
        if ok and meta is None and safe(y):
            ok, why = promises_kept(y, summ)
        if ok and meta is not None:
            ok, why = wide_promises_kept(meta, summ)
            if ok:
                ok, why = liveness_kept(meta, summ)
        if ok and (paired or rerun):
            name = same_outputs(here, 'out', 'out2')
            if name:
                ok, why = False, ('paired: one thread and two differ in ' if paired else
                                  'rerun: two runs of one scenario differ in ') + name
        if not ok:
            found += 1
            keep = os.path.join(here, 'found-%d-%d.yaml' % (seed, found))
            with open(keep, 'w') as f:
                f.write('# ' + why.strip().replace('\n', '\n# ') + '\n' + y)
            print('%s: %s' % (keep, why.strip()[-300:]), flush=True)
    print('%d runs, %d found; wide promises checked: %s' % (runs, found, CHECKED))
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
