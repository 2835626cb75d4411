package main

import (
	"crypto/subtle"
	"strings"

	"byoredis/shared/resp"
)

// redisVersion is the Redis version whose behaviour this server follows. Clients read it
// (in HELLO and INFO) to decide which commands they may send.
const redisVersion = "7.0.0"

// PING [message]: "+PONG", or the message as a bulk string.
func ping(c *client, args [][]byte) {
	if len(args) > 2 {
		c.writer.Error(wrongArity(commands["ping"]))
		return
	}
	if c.subscriptionCount.Load() > 0 && !c.resp3.Load() {
		// A subscribed RESP2 client tells replies from messages by their shape: PING's
		// reply is then an array, as a message is.
		c.writer.Array(2)
		c.writer.BulkString("pong")
		if len(args) == 2 {
			c.writer.Bulk(args[1])
		} else {
			c.writer.BulkString("")
		}
		return
	}
	if len(args) == 2 {
		c.writer.Bulk(args[1])
		return
	}
	c.writer.SimpleString("PONG")
}

// ECHO message: the message as a bulk string.
func echo(c *client, args [][]byte) {
	c.writer.Bulk(args[1])
}

// QUIT: "+OK", then the connection closes (Redis ignores any arguments).
func quit(c *client, args [][]byte) {
	c.writer.SimpleString("OK")
	c.closing = true
}

// SELECT index: this server has one database, as a redis-server started with --databases 1.
func selectDB(c *client, args [][]byte) {
	index, ok := resp.ParseInt(args[1])
	switch {
	case !ok:
		c.writer.Error(errNotInt)
	case index < -1<<31 || index > 1<<31-1: // Redis parses the index as a C int
		c.writer.Error("ERR value is out of range, value must between -2147483648 and 2147483647")
	case index != 0:
		c.writer.Error("ERR DB index is out of range")
	default:
		c.writer.SimpleString("OK")
	}
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]: choose RESP2 or RESP3 and
// describe the server. go-redis opens every connection with HELLO 3, and from then on the
// connection speaks RESP3: maps, nulls and doubles get their own types.
func hello(c *client, args [][]byte) {
	protocol := int64(c.writer.Protocol())
	if len(args) >= 2 {
		var ok bool
		protocol, ok = resp.ParseInt(args[1])
		if !ok {
			c.writer.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if protocol != 2 && protocol != 3 {
			c.writer.Error("NOPROTO unsupported protocol version")
			return
		}
	}
	var username, password, name []byte
	for i := 2; i < len(args); i++ {
		remaining := len(args) - 1 - i
		switch option := strings.ToUpper(string(args[i])); {
		case option == "AUTH" && remaining >= 2:
			username, password = args[i+1], args[i+2]
			i += 2
		case option == "SETNAME" && remaining >= 1:
			name = args[i+1]
			i++
		default:
			c.writer.Error("ERR Syntax error in HELLO option '" + truncate(string(args[i]), 128) + "'")
			return
		}
	}
	if username != nil && !c.authenticate(username, password) {
		c.writer.Error(errWrongPass)
		return
	}
	if !c.authenticated && *c.server.requirePass.Load() != "" {
		c.writer.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if name != nil {
		if !validClientName(name) {
			c.writer.Error(errClientName)
			return
		}
		c.name = string(name)
	}
	c.writer.SetProtocol(int(protocol))
	c.resp3.Store(protocol == 3)

	c.writer.Map(7)
	c.writer.BulkString("server")
	c.writer.BulkString("redis")
	c.writer.BulkString("version")
	c.writer.BulkString(redisVersion)
	c.writer.BulkString("proto")
	c.writer.Integer(protocol)
	c.writer.BulkString("id")
	c.writer.Integer(c.id)
	c.writer.BulkString("mode")
	c.writer.BulkString("standalone")
	c.writer.BulkString("role")
	c.writer.BulkString("master")
	c.writer.BulkString("modules")
	c.writer.Array(0)
}

// AUTH [username] password: give the password of requirepass. The only user is Redis's
// "default" (ACL users beyond it are not part of this course).
func auth(c *client, args [][]byte) {
	if len(args) > 3 {
		c.writer.Error(errSyntax)
		return
	}
	username, password := []byte("default"), args[len(args)-1]
	if len(args) == 3 {
		username = args[1]
	} else if *c.server.requirePass.Load() == "" {
		c.writer.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	if !c.authenticate(username, password) {
		c.writer.Error(errWrongPass)
		return
	}
	c.writer.SimpleString("OK")
}

// authenticate checks a user name and password, and marks the client authenticated if they
// are right. With no requirepass, the default user takes any password ("nopass").
func (c *client) authenticate(username, password []byte) bool {
	required := *c.server.requirePass.Load()
	if string(username) != "default" || required != "" && subtle.ConstantTimeCompare(password, []byte(required)) != 1 {
		return false
	}
	c.authenticated = true
	return true
}

const errWrongPass = "WRONGPASS invalid username-password pair or user is disabled."

// CLIENT ID: this connection's unique id.
func clientID(c *client, args [][]byte) {
	c.writer.Integer(c.id)
}

// CLIENT GETNAME: the name set with CLIENT SETNAME, or null.
func clientGetName(c *client, args [][]byte) {
	if c.name == "" {
		c.writer.Null()
		return
	}
	c.writer.BulkString(c.name)
}

const errClientName = "ERR Client names cannot contain spaces, newlines or special characters."

// CLIENT SETNAME name: name the connection (go-redis does when ClientName is set); an empty
// name removes the name.
func clientSetName(c *client, args [][]byte) {
	if !validClientName(args[2]) {
		c.writer.Error(errClientName)
		return
	}
	c.name = string(args[2])
	c.writer.SimpleString("OK")
}

// validClientName allows what Redis allows: printable ASCII without spaces.
func validClientName(name []byte) bool {
	for _, b := range name {
		if b < '!' || b > '~' {
			return false
		}
	}
	return true
}

// RESET is Redis's clearClientConnectionState: every subscription goes without a reply, the
// protocol goes back to RESP2, and the name is cleared.
func reset(c *client, args [][]byte) {
	c.leavePubsub()
	c.writer.SetProtocol(2)
	c.resp3.Store(false)
	c.name = ""
	c.writer.SimpleString("RESET")
}

// CLIENT KILL addr, or CLIENT KILL [ID id] [TYPE type] [ADDR addr] [SKIPME yes|no]: close
// the clients that match, as Redis's clientCommand does. The new form answers how many.
func clientKill(c *client, args [][]byte) {
	var addr, kind string
	var id int64
	skipMe := true
	if len(args) == 3 { // the old form; it may close the caller itself
		addr, skipMe = string(args[2]), false
	} else {
		for i := 2; i < len(args); i += 2 {
			if i+1 >= len(args) {
				c.writer.Error(errSyntax)
				return
			}
			value := string(args[i+1])
			switch strings.ToLower(string(args[i])) {
			case "id":
				n, ok := resp.ParseInt(args[i+1])
				if !ok || n < 1 {
					c.writer.Error("ERR client-id should be greater than 0")
					return
				}
				id = n
			case "type":
				kind = strings.ToLower(value)
				if kind == "slave" {
					kind = "replica"
				}
				if kind != "normal" && kind != "replica" && kind != "pubsub" && kind != "master" {
					c.writer.Error("ERR Unknown client type '" + value + "'")
					return
				}
			case "addr":
				addr = value
			case "skipme":
				switch strings.ToLower(value) {
				case "yes":
					skipMe = true
				case "no":
					skipMe = false
				default:
					c.writer.Error(errSyntax)
					return
				}
			default:
				c.writer.Error(errSyntax)
				return
			}
		}
	}
	s := c.server
	s.mu.Lock()
	var victims []*client
	for _, other := range s.clients {
		if addr != "" && other.conn.RemoteAddr().String() != addr ||
			kind != "" && other.kind() != kind ||
			id != 0 && other.id != id ||
			other == c && skipMe {
			continue
		}
		victims = append(victims, other)
	}
	s.mu.Unlock()
	for _, victim := range victims {
		if victim == c {
			c.closing = true // after this reply, as Redis does
		} else {
			victim.conn.Close()
		}
	}
	if len(args) == 3 {
		if len(victims) == 0 {
			c.writer.Error("ERR No such client")
		} else {
			c.writer.SimpleString("OK")
		}
		return
	}
	c.writer.Integer(int64(len(victims)))
}

// kind is Redis's client type (getClientType): master, replica, pubsub or normal.
func (c *client) kind() string {
	switch {
	case c.master != nil:
		return "master"
	case c.isReplica.Load():
		return "replica"
	case c.subscriptionCount.Load() > 0:
		return "pubsub"
	}
	return "normal"
}
