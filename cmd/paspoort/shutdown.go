package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/loopbrug/paspoort/internal/kv"
)

// shutdownBound is how long a serving command may take to end after SIGINT
// or SIGTERM: in-flight requests get their grace within it and the stores
// their close timeout (kv.DefaultCloseTimeout); after it the process exits
// with exitRejected whatever still runs.
const shutdownBound = 10 * time.Second

// signalContext is signal.NotifyContext(parent, SIGINT, SIGTERM) for the
// serving commands, with a bound: from the first signal on, the process
// exits (status exitRejected, a message on stderr) when it has not ended
// within shutdownBound, or at once on a second signal. Only a real signal
// arms it; a parent context that ends (tests, callers) does not. stop
// releases the signals (a later one has its default effect); once a
// signal came, the bound stays armed until the process exits, so that a
// hanging deferred close is covered too.
func signalContext(parent context.Context, stderr io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	quit := make(chan struct{})
	go func() {
		select {
		case <-sig:
		case <-quit:
			return
		}
		cancel()
		t := time.NewTimer(shutdownBound)
		select {
		case <-t.C:
		case <-sig:
		}
		fmt.Fprintf(stderr, "paspoort: niet netjes gestopt (STORE): de dienst was %v na het stopsignaal nog niet klaar en is afgebroken; "+
			"een datamap die weg is of een schijf die faalt is de gewone oorzaak. Controleer de datamap (--data) en start opnieuw.\n", shutdownBound)
		os.Exit(exitRejected)
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			// After a signal the watchdog no longer listens to quit: the
			// bound stays armed. A later signal now has its default effect.
			signal.Stop(sig)
			close(quit)
			cancel()
		})
	}
}

// closeStore closes a store and joins a failure to err (storeError).
func closeStore(err error, c interface{ Close() error }) error {
	return errors.Join(err, storeError(c.Close()))
}

// storeError says what a store that could not close cleanly means to the
// operator: recent changes may be lost, check the data folder and start
// again. Other errors pass unchanged.
func storeError(err error) error {
	if !errors.Is(err, kv.ErrNotClosed) {
		return err
	}
	return fmt.Errorf("opslag niet netjes gesloten (STORE): de laatste wijzigingen zijn misschien niet bewaard; "+
		"controleer de datamap (--data) en de schijf en start opnieuw: %w", err)
}
