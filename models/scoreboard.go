package models

// Status is a worker's scoreboard state, with httpd's numeric values
// (include/scoreboard.h). The MPMs' idle tests are written status <= Ready,
// so Dead and Starting count as idle wherever the test applies.
type Status uint8

// Scoreboard states.
const (
	Dead          Status = 0 // SERVER_DEAD
	Starting      Status = 1 // SERVER_STARTING
	Ready         Status = 2 // SERVER_READY
	BusyRead      Status = 3 // SERVER_BUSY_READ
	BusyWrite     Status = 4 // SERVER_BUSY_WRITE
	BusyKeepalive Status = 5 // SERVER_BUSY_KEEPALIVE
	Closing       Status = 8 // SERVER_CLOSING
	Graceful      Status = 9 // SERVER_GRACEFUL
	numStatus            = 10
)

var statusNames = [numStatus]string{"dead", "starting", "ready", "read", "write", "keepalive", "", "", "closing", "graceful"}

func (s Status) String() string { return statusNames[s] }
