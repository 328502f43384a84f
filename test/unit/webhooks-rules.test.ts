import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../core/webhooks/address-guard.ts';
import { notificationsOf } from '../../core/webhooks/notifications.ts';

describe('outbound addresses', () => {
  it('refuses private, link-local, metadata and reserved addresses, IPv4-mapped ones too', () => {
    for (const address of [
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::',
      'fe80::1',
      'fd12::1',
      'fd00:ec2::254',
      '::ffff:10.0.0.1',
    ])
      expect(refusalOf(address, { allowLoopback: true }), address).toBeDefined();
  });

  it('takes public addresses, and loopback only in local mode', () => {
    for (const address of ['93.184.215.14', '2606:4700::1111', '8.8.8.8'])
      expect(refusalOf(address, { allowLoopback: false }), address).toBeUndefined();
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect(refusalOf(address, { allowLoopback: true }), address).toBeUndefined();
      expect(refusalOf(address, { allowLoopback: false }), address).toContain('loopback');
    }
  });
});

describe('notifications from table changes', () => {
  const deploy = (status: number, changes: number) => ({
    entity: 'ote-deploy',
    id: 7,
    deployName: 'web',
    projectName: 'shop',
    appName: 'web',
    appVersion: '1.1',
    deployType: 2,
    status,
    changes,
  });

  it('names a state so that a return to a status is new and a repeated change is not', () => {
    const first = notificationsOf({ event: 'MODIFY', oldItem: deploy(4, 2), newItem: deploy(5, 2) });
    const repeated = notificationsOf({ event: 'MODIFY', oldItem: deploy(4, 2), newItem: deploy(5, 2) });
    const later = notificationsOf({ event: 'MODIFY', oldItem: deploy(4, 3), newItem: deploy(5, 3) });
    expect(first).toEqual([
      expect.objectContaining({ type: 'ote-deploy.status', object: 'ote-deploy/7', state: '5@2', project: 'shop' }),
    ]);
    expect(repeated.map((entry) => entry.state)).toEqual(['5@2']);
    expect(later.map((entry) => entry.state)).toEqual(['5@3']);
  });

  it('says nothing of writes that leave the status as it was, or of other items', () => {
    expect(notificationsOf({ event: 'MODIFY', oldItem: deploy(4, 2), newItem: deploy(4, 2) })).toEqual([]);
    expect(notificationsOf({ event: 'INSERT', oldItem: undefined, newItem: { entity: 'hook' } })).toEqual([]);
  });
});
