package testfake

import (
	"net/http/httptest"
	"testing"
)

func TestDelete(t *testing.T) {
	s := New()
	srv := httptest.NewServer(s)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/delete?volume=7")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := s.Deletes(); len(got) != 1 || got[0] != "7" {
		t.Fatalf("deletes = %v", got)
	}
}
