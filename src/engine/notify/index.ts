export { notifyOnce, terminalAlert, findOnPath, NOTIFY_EVENTS, type NotifyEvent, type NotifyPayload, type NotifyContext, type NotifyOutcome } from './notify.js';
