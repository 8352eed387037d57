// The server side of a WebSocket, by hand, for the specs' own upstreams (a coderd-shaped fake, a
// front that cuts connections): the handshake answer and a server's text frame.
import { createHash } from 'node:crypto';
import type http from 'node:http';
import type net from 'node:net';

/** Answers the upgrade of `req` on `socket` with 101 (RFC 6455's accept key). */
export function acceptWebSocket(req: http.IncomingMessage, socket: net.Socket) {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
}

/** A text frame from a server (unmasked; RFC 6455's 7-, 16- and 64-bit lengths). */
export function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  let head: Buffer;
  if (payload.length < 126) {
    head = Buffer.from([0x81, payload.length]);
  } else if (payload.length < 65536) {
    head = Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x81;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(payload.length), 2);
  }
  return Buffer.concat([head, payload]);
}
