#!/usr/bin/env python3
"""Serves offer.html on loopback and stores each POSTed SDP as <name>.sdp in the output directory.
Exits after /done (or after the timeout). Usage: capture-server.py PORT OUTDIR [TIMEOUT]"""
import http.server, os, sys, threading, urllib.parse

PORT, OUT = int(sys.argv[1]), sys.argv[2]
TIMEOUT = float(sys.argv[3]) if len(sys.argv) > 3 else 60
HERE = os.path.dirname(os.path.abspath(__file__))

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(os.path.join(HERE, 'offer.html'), 'rb') as f:
            body = f.read()
        self.send_response(200)
        self.send_header('Content-Type', 'text/html')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        if url.path == '/sdp':
            name = urllib.parse.parse_qs(url.query)['name'][0]
            if not name.replace('-', '').isalnum():
                self.send_error(400)
                return
            with open(os.path.join(OUT, name + '.sdp'), 'wb') as f:
                f.write(body)
        self.send_response(204)
        self.end_headers()
        if url.path == '/done':
            print('done:', body.decode(), flush=True)
            threading.Thread(target=self.server.shutdown).start()

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(('127.0.0.1', PORT), Handler)
threading.Timer(TIMEOUT, server.shutdown).start()
server.serve_forever()
