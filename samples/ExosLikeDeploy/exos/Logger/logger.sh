echo logger up
exec sleep 3600
