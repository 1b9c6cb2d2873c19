/**
 * The parts of undici the client uses, in a module of their own so that the client can load them with
 * the first request (see loadUndici in client.ts). A static re-export, because importing the CommonJS
 * package itself dynamically gives its named exports under Node but not in the bundle.
 */
export { Agent, FormData, request } from 'undici';
