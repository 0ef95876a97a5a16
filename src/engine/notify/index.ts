export { notifyHost, notifyOnce, terminalAlert, findOnPath, NOTIFY_EVENTS, type HostNotifyPayload, type NotifyEvent, type NotifyPayload, type NotifyContext, type NotifyOutcome } from './notify.js';
